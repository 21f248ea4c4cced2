from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    """django.contrib.admin with our site: `admin.site` (and every `@admin.register`) is it."""

    default_site = "apps.backoffice.site.BackOfficeSite"


class BackOfficeConfig(AppConfig):
    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # Lower modules' pages show what modules above them know (they may not call up):
        # notifications on the order timeline, order numbers on payments; and notifications,
        # which imports no other business module, gets accounts' and orders' lookups in-process.
        from apps.backoffice import links

        links.register()
