from django.apps import AppConfig
from django.conf import settings


class DemoConfig(AppConfig):
    name = "apps.demo"
    label = "demo"

    def ready(self) -> None:
        # The embedded catalog (mongomock) lives in process memory: each process starts
        # from the demo products, or the shop `make run` shows would be empty.
        if settings.DEMO_CATALOG_ON_START:
            from apps.demo.data import demo_products_load

            demo_products_load()
