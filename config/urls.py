from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common.metrics import metrics_view
from apps.common.views import api_not_found, healthz, readyz

# Storefront and staff API, version 1. Each module contributes its api/urls.py.
# The catalog first: its public reads are the hot paths, and every request resolves its URL
# more than once (Django, the tracing middleware); the modules' paths do not overlap.
api_v1 = [
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.checkout.api.urls")),
    path("", include("apps.orders.api.urls")),
    path("", include("apps.payments.api.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "v1"))),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]

handler403 = "apps.backoffice.site.forbidden"
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
