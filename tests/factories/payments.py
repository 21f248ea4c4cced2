import uuid

from apps.payments import services
from apps.payments.models import Payment


def authorized_payment(
    *, amount: int = 5000, method: str = "pm_sandbox_ok", currency: str = "EUR"
) -> Payment:
    """A sandbox payment authorized through the service, as an order placement leaves it."""
    return services.payment_authorize(
        order_id=str(uuid.uuid4()),
        amount=amount,
        currency=currency,
        provider="sandbox",
        payment_method=method,
        idempotency_key=f"test:{uuid.uuid4()}",
    )


def captured_payment(**kwargs) -> Payment:
    payment = authorized_payment(**kwargs)
    return services.payment_capture(payment_id=payment.pk, idempotency_key=f"capture:{payment.pk}")
