"""The notifications deployment's URLs: its admin, health and metrics; it serves no API."""

from django.contrib import admin
from django.urls import path

from apps.common.metrics import metrics_view
from apps.common.views import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]

handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
