from django.apps import AppConfig
from django.conf import settings


class DemoConfig(AppConfig):
    name = "apps.demo"
    label = "demo"

    def ready(self) -> None:
        # The embedded catalog (mongomock) starts empty unless kept under var/ (local
        # settings): an empty one gets the demo products, or the shop `make run` shows is empty.
        if settings.DEMO_CATALOG_ON_START:
            from apps.demo.data import demo_products_load

            demo_products_load()
