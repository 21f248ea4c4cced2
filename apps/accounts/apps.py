from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and staff roles"

    def ready(self) -> None:
        from django.contrib import admin

        from apps.accounts import openapi  # noqa: F401  registers the token schemes with drf-spectacular
        from apps.accounts.api.problems import PROBLEMS
        from apps.accounts.token_cache import connect as cache_tokens
        from apps.accounts.two_factor import install
        from apps.common.problems import problems_register

        install(admin.site)  # before the URLconf reads admin.site.urls
        problems_register(PROBLEMS)
        cache_tokens()  # and forget them the moment they change (token_cache.py)
