"""The admin site staff run the shop from: a home page of numbers per role, a sensible "View
site" link, a styled 403. Every number comes from a module's public read function."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from apps.backoffice import dashboard


class BackOfficeSite(admin.AdminSite):
    site_header = site_title = "Commerce back office"
    index_title = "Today"
    index_template = "admin/backoffice/index.html"
    # There is no storefront in this codebase: its public face is the API documentation.
    site_url = "/api/docs/"

    def get_urls(self):
        from apps.backoffice import customers

        return [
            path(
                "customers/",
                self.admin_view(lambda r: customers.customer_list(r, self)),
                name="backoffice_customers",
            ),
            path(
                "customers/<int:customer_id>/",
                self.admin_view(lambda r, customer_id: customers.customer_detail(r, self, customer_id)),
                name="backoffice_customer",
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        extra = {"tiles": dashboard.tiles_for(request.user), "sales": dashboard.sales_for(request.user)}
        return super().index(request, {**extra, **(extra_context or {})})


def forbidden(request, exception=None):
    """403 in the back office's own look, with the way back (the admin's default is bare text)."""
    context = {
        **admin.site.each_context(request),
        "title": "Not allowed",
        "reason": str(exception or "") or "Your role does not include this page or action.",
    }
    return TemplateResponse(request, "403.html", context, status=403).render()
