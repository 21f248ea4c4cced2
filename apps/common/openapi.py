"""OpenAPI helpers so every endpoint documents its problem+json errors the same way."""

from drf_spectacular.utils import OpenApiResponse

from apps.common.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

_DESCRIPTIONS = {
    400: "Invalid input: `errors` points at each field at fault.",
    401: "Missing or invalid credentials.",
    403: "Authenticated but not allowed.",
    404: "No such resource.",
    409: "Conflicts with the resource's current state.",
    415: "Content-Type is not application/json.",
    422: "Idempotency-Key reused with a different request.",
    429: "Too many requests; see Retry-After.",
    503: "Shedding load; see Retry-After.",
}


def problem_responses(*statuses: int) -> dict:
    """`responses=` entries documenting problem+json bodies for the given statuses."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=_DESCRIPTIONS[code])
        for code in statuses
    }
