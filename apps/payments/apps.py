from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self) -> None:
        from apps.common.problems import problems_register
        from apps.payments.api.problems import PROBLEMS

        problems_register(PROBLEMS)
