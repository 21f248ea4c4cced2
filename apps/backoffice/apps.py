from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    """django.contrib.admin with our site: `admin.site` (and every `@admin.register`) is it."""

    default_site = "apps.backoffice.site.BackOfficeSite"


class BackOfficeConfig(AppConfig):
    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
