"""The project's URLs plus the reference view benchmarks compare against."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def minimal(request):
    """The reference: a minimal Django JSON view behind the same middleware."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/minimal", minimal), *project_urlpatterns]
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
