from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "apps.checkout"
    label = "checkout"

    def ready(self) -> None:
        from apps.checkout.api.problems import PROBLEMS
        from apps.common.problems import problems_register

        problems_register(PROBLEMS)
