"""Operator endpoints and the problem+json fallbacks for paths DRF never sees."""

from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from apps.common.health import degradations, run_checks
from apps.common.problems import problem_response

API_PREFIX = "/api/"


@require_GET
def healthz(request):
    """Liveness: the process answers. Checks nothing else, so a store outage never restarts it."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Readiness: every store and the broker answer; 503 names the ones that do not. While load is
    being shed the answer stays 200 with status "degraded": the process is fine, the pipeline is behind."""
    results = run_checks()
    failing = [r.name for r in results if not r.ok]
    degraded = degradations()
    body = {
        "status": "fail" if failing else "degraded" if degraded else "ok",
        "failing": failing,
        "degraded": degraded,
        "checks": {
            r.name: {"ok": r.ok, "backend": r.backend, "duration_ms": r.duration_ms}
            | ({"error": r.error} if r.error else {})
            for r in results
        },
    }
    return JsonResponse(body, status=503 if failing else 200)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Catch-all under /api/: unknown routes are problem+json, whatever DEBUG says."""
    return problem_response(
        request, status=404, slug="not-found", detail=f"No API route matches {request.path}."
    )


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return problem_response(
            request,
            status=500,
            slug="internal-error",
            detail="An unexpected error occurred; it has been logged.",
        )
    return defaults.server_error(request)
