"""OpenAPI helpers so every endpoint documents its problem+json errors the same way."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from apps.common.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the request body of a DELETE that declares one
    (`extend_schema(request=...)`): drf-spectacular documents bodies on PUT, PATCH and POST only,
    and DELETE /accounts/me asks for the password in its body. Our views are APIViews, so a DELETE
    has a request serializer only where one is declared."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"  # the base class's gate; nothing else it reads depends on the method
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


_DESCRIPTIONS = {
    400: "Invalid input: `errors` points at each field at fault.",
    401: "Missing or invalid credentials.",
    402: "The payment was declined: `decline_code` says why.",
    403: "Authenticated but not allowed.",
    404: "No such resource.",
    409: "Conflicts with the resource's current state, or the same Idempotency-Key is still in flight.",
    414: "The request path and query are over the length the server reads.",
    415: "Content-Type is not application/json.",
    422: "Idempotency-Key reused with a different request.",
    429: "Too many requests; see Retry-After.",
    431: "A request header is longer than the server reads.",
    500: "Our error (e.g. the payment provider refused our request as invalid); nothing was charged.",
    503: "Temporarily unavailable (shedding load, a store or the payment provider did not answer); see Retry-After.",
}


# Answered by RequestLimitsMiddleware before any view runs, so every operation can meet them:
# documented once, by the hook below, not per endpoint.
EVERY_OPERATION = (414, 431)


def problem_responses(*statuses: int) -> dict:
    """`responses=` entries documenting problem+json bodies for the given statuses."""
    if set(statuses) & set(EVERY_OPERATION):
        raise ValueError("414 and 431 are documented on every operation by document_request_limits")
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=_DESCRIPTIONS[code])
        for code in statuses
    }


# `parameters=[IDEMPOTENCY_KEY]` on endpoints decorated with apps.common.idempotency.idempotent.
IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=True,
    type=str,
    description=(
        "1 to 255 printable ASCII characters, unique per intended operation (a UUID will do). "
        "A retry with the same key and body within 24 hours gets the first answer again, with "
        "`Idempotent-Replayed: true`, and has no further effect. The same key with a different "
        "body is a 422; while the first request is still running, a 409 with Retry-After."
    ),
)


def document_request_limits(result, generator, request, public):
    """drf-spectacular postprocessing hook: the 414 and 431 problems on every operation."""
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in result["paths"].values():
        for method, operation in path.items():
            if method not in _METHODS:
                continue
            responses = operation["responses"]
            for status in EVERY_OPERATION:
                responses.setdefault(str(status), {"content": problem, "description": _DESCRIPTIONS[status]})
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: _order(item[0])))
    return result


_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _order(status: str) -> tuple[int, str]:
    return (int(status), "") if status.isdigit() else (1000, status)
