from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self) -> None:
        from apps.common.problems import problems_register
        from apps.orders.api.problems import PROBLEMS

        problems_register(PROBLEMS)

        # Payments asks whether an order is ready to capture before an authorization expires;
        # the capture policy is ours, and payments may not import orders.
        # Reconciliation also asks whether an authorization's order was recorded at all (placement
        # commits the payment before the order): one with none is voided.
        from apps.orders.selectors import orders_existing, orders_ready_to_capture
        from apps.payments.public import payment_capture_readiness_source, payment_order_check_source

        payment_capture_readiness_source(orders_ready_to_capture)
        payment_order_check_source(orders_existing)
