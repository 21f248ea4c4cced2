"""Default pagination: opaque cursors, stable under concurrent inserts (no OFFSET drift).

A bad `limit` or `cursor` is a 400 naming the parameter, as the catalog's listing answers: DRF
itself falls back to the default page size for a bad `limit` and reads some non-cursors as the
first page."""

import binascii
from base64 import b64decode
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, serializers


def _invalid_cursor() -> exceptions.ValidationError:
    detail = exceptions.ErrorDetail("Not a cursor this API gave out.", code="invalid_cursor")
    return exceptions.ValidationError({"cursor": [detail]})


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "limit"
    max_page_size = 100
    # Newest first; a view whose model lacks created_at sets its own `ordering`.
    ordering = ("-created_at", "-id")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # The catalog's field (min 1, max 100), so both answer the same codes and details.
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.run_validation(raw)
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError({self.page_size_query_param: exc.detail}) from None

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded:
            # DRF decodes leniently (b64decode drops stray characters, unknown keys are ignored).
            try:
                tokens = parse.parse_qs(
                    b64decode(encoded, validate=True).decode("ascii"), strict_parsing=True
                )
            except (ValueError, binascii.Error, UnicodeError):
                raise _invalid_cursor() from None
            if not tokens.keys() <= {"o", "r", "p"}:
                raise _invalid_cursor()
        # DRF answers a cursor it cannot decode with 404; it is bad input (400 naming the parameter).
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise _invalid_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # The cursor's position is not a value of the ordering field (e.g. not a datetime).
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise _invalid_cursor() from None
