from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self) -> None:
        from apps.common.problems import problems_register
        from apps.orders.api.problems import PROBLEMS

        problems_register(PROBLEMS)
