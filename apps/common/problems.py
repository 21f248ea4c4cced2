"""RFC 9457 problem details (application/problem+json) for every API error.

Body: `type` (URI naming the problem), `title` (the HTTP reason), `status`, `detail` (what went
wrong, for a human), `instance` (the request path), and for invalid input `errors`: one entry
per fault, each with a JSON Pointer (RFC 6901) to the field at fault, as in RFC 9457 §3.

Domain exceptions become problems through one table (`PROBLEM_TABLE`): each module registers the
rows for its own exceptions (`problems_register`, from its AppConfig.ready), and the exception
handler answers any registered exception that reaches a view, whichever module's view it is. No
module maps another module's errors.
"""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from apps.common.outages import is_store_outage, outage_response

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Slugs for DRF's own exceptions where its code reads poorly as a URI.
_SLUGS = {
    exceptions.ValidationError: "validation-error",
    exceptions.ParseError: "malformed-request",
    exceptions.UnsupportedMediaType: "unsupported-media-type",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is larger than this endpoint accepts."
    default_code = "payload_too_large"


class Problem(exceptions.APIException):
    """A domain failure as problem+json: `raise Problem(status=409, slug="illegal-transition",
    detail=..., current_status="shipped")`; extra keywords become extension members."""

    def __init__(self, *, status: int, slug: str, detail: str, retry_after: int | None = None, **extensions):
        self.status_code = status
        self.slug = slug
        self.extensions = extensions
        self.wait = retry_after
        super().__init__(detail)


def _no_extensions(exc: Exception) -> dict:
    return {}


@dataclass(frozen=True)
class ProblemRow:
    """One row of the exception → problem table. `slug` may name the exception's attributes
    (`"checkout-{status}"`); `detail` and `extensions` read the exception; the title is the
    status's HTTP reason, so one slug always has one status and one title."""

    status: int
    slug: str
    detail: Callable[[Exception], str] = str
    extensions: Callable[[Exception], dict] = _no_extensions
    retry_after: int | None = None


PROBLEM_TABLE: dict[type[Exception], ProblemRow] = {}


def problems_register(rows: dict[type[Exception], ProblemRow]) -> None:
    """Add a module's rows for its own exceptions (from its AppConfig.ready)."""
    for exc_type, row in rows.items():
        if PROBLEM_TABLE.get(exc_type, row) != row:
            raise ImproperlyConfigured(f"{exc_type.__qualname__} is already mapped to another problem")
        PROBLEM_TABLE[exc_type] = row


def problem_of(exc: Exception, **extensions) -> "Problem | None":
    """The registered problem for `exc` (its class or the nearest base with a row), or None.
    Keywords add extension members a view knows and the exception does not."""
    row = next((PROBLEM_TABLE[k] for k in type(exc).__mro__ if k in PROBLEM_TABLE), None)
    if row is None:
        return None
    return Problem(
        status=row.status,
        slug=row.slug.format_map(vars(exc)),
        detail=row.detail(exc),
        retry_after=row.retry_after,
        **row.extensions(exc) | extensions,
    )


def problem_type(slug: str) -> str:
    return f"{settings.PROBLEM_TYPE_BASE}{slug}"


def problem_body(*, status: int, slug: str, detail: str, instance: str = "", **extra) -> dict:
    body = {
        "type": problem_type(slug),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    return body | extra


def exception_handler(exc, context) -> Response | None:
    """DRF EXCEPTION_HANDLER: every APIException becomes problem+json.

    Anything else is a bug: returning None lets Django log it and answer through
    `server_error`, which is problem+json on API paths too.
    """
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        if is_store_outage(exc):
            request = context.get("request")
            return outage_response(request, exc) if request is not None else None
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    slug = getattr(exc, "slug", None) or _SLUGS.get(type(exc)) or exc.default_code.replace("_", "-")
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_field_errors(exc.detail))
        detail = "; ".join(_describe(e) for e in errors) or "The request is invalid."
        body = problem_body(
            status=exc.status_code, slug=slug, detail=detail, instance=instance, errors=errors
        )
    else:
        extensions = getattr(exc, "extensions", {})
        body = problem_body(
            status=exc.status_code, slug=slug, detail=_text(exc.detail), instance=instance, **extensions
        )
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(request, *, status: int, slug: str, detail: str) -> JsonResponse:
    """A problem+json answer outside DRF (Django's 404/500 handlers, health checks)."""
    body = problem_body(status=status, slug=slug, detail=detail, instance=request.path)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _as_api_exception(exc):
    if (problem := problem_of(exc)) is not None:
        return problem
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(serializers.as_serializer_error(exc))
    return exc


def _field_errors(detail, path: tuple = ()):
    """Flatten DRF's nested error structure into RFC 9457 `errors` entries."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            key_path = path if key == api_settings.NON_FIELD_ERRORS_KEY else (*path, key)
            yield from _field_errors(value, key_path)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            # Lists of messages belong to the field; lists of objects are indexed items.
            item_path = (*path, index) if isinstance(item, dict | list) else path
            yield from _field_errors(item, item_path)
    else:
        yield {
            "pointer": "#" + "".join(f"/{_escape(part)}" for part in path),
            "detail": str(detail),
            "code": getattr(detail, "code", "invalid"),
        }


def _escape(part) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _describe(error: dict) -> str:
    field = error["pointer"].removeprefix("#/").replace("/", ".")
    return f"{field}: {error['detail']}" if field and field != "#" else error["detail"]


def _text(detail) -> str:
    if isinstance(detail, list | dict):
        return "; ".join(_describe(e) for e in _field_errors(detail))
    return str(detail)


class FieldErrorSerializer(serializers.Serializer):
    """One fault in the request: a body field (`pointer`) or a header (`header`)."""

    pointer = serializers.CharField(
        required=False, help_text="JSON Pointer (RFC 6901) to the field at fault."
    )
    header = serializers.CharField(required=False, help_text="Request header at fault.")
    detail = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every API error has this body (application/problem+json)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = FieldErrorSerializer(many=True, required=False)
