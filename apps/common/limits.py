"""Request-line and header limits answered by Django, as problem+json.

gunicorn answers its own limits in HTML. docker/gunicorn.conf.py sets them above these (request
line 8190, gunicorn's maximum; header fields 32 KB), so everything between ours and gunicorn's is
refused here in the API's own format. Past gunicorn's (a request line over 8190 bytes) gunicorn
still answers, in HTML: it refuses before any application code runs.
"""

from django.conf import settings

from apps.common.problems import problem_response


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", ""))
        if target > settings.REQUEST_TARGET_MAX:
            return problem_response(
                request,
                status=414,
                slug="uri-too-long",
                detail=f"The request path and query may be at most {settings.REQUEST_TARGET_MAX} characters.",
            )
        for key, value in request.META.items():
            if (
                key.startswith("HTTP_")
                and isinstance(value, str)
                and len(value) > settings.REQUEST_HEADER_MAX
            ):
                name = key[5:].replace("_", "-").title()
                response = problem_response(
                    request,
                    status=431,
                    slug="header-too-large",
                    detail=f"The {name} header is longer than {settings.REQUEST_HEADER_MAX} characters.",
                )
                return response
        return self.get_response(request)
