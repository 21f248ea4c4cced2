"""Default pagination: opaque cursors, stable under concurrent inserts (no OFFSET drift)."""

from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "limit"
    max_page_size = 100
    # Newest first; a view whose model lacks created_at sets its own `ordering`.
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot decode with 404; it is bad input (400 naming the parameter).
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            detail = exceptions.ErrorDetail("Not a cursor this API gave out.", code="invalid_cursor")
            raise exceptions.ValidationError({"cursor": [detail]}) from None
