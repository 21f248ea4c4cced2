"""The payments module's public surface: the only payments code other modules may import.

Failures raise the exceptions in contracts.py (PaymentDeclined, ProviderRejectedRequest,
ProviderUnavailable, UnknownProvider, PaymentStateConflict, AmountInvalid); LookupError for an
unknown payment.
"""

from apps.payments import services
from apps.payments.api.serializers import PaymentInputSerializer
from apps.payments.capture_readiness import payment_capture_readiness_source
from apps.payments.contracts import PaymentSummary
from apps.payments.order_check import payment_order_check_source
from apps.payments.order_labels import payment_order_numbers_source
from apps.payments.providers import enabled_providers
from apps.payments.selectors import (
    payment_activity,
    payment_attention,
    payment_get,
    payments_count,
    payments_get,
    payments_page,
    payments_state,
    refunds_of,
    summary,
)

__all__ = [
    "PaymentInputSerializer",
    "enabled_providers",
    "payment_activity",
    "payment_attention",
    "payment_authorize",
    "payment_capture",
    "payment_capture_readiness_source",
    "payment_get",
    "payment_order_check_source",
    "payment_order_numbers_source",
    "payment_refund",
    "payment_release",
    "payment_void",
    "payment_void_unrecorded",
    "payments_count",
    "payments_get",
    "payments_page",
    "payments_state",
    "refunds_of",
]


def payment_authorize(
    *,
    order_id: str,
    amount: int,
    currency: str,
    provider: str,
    payment_method: str,
    idempotency_key: str,
) -> PaymentSummary:
    """Create and authorize a payment intent (manual capture), committed at once. Idempotent per
    idempotency_key: a retry gets the same payment back (PaymentStateConflict if it was voided).

    The caller records what it is for in its own transaction afterwards and, if that fails, calls
    payment_void_unrecorded; if it dies in between, reconciliation voids the authorization once it
    is untouched for PAYMENTS_RECONCILE_AFTER and the order check (payment_order_check_source)
    finds no order for it."""
    return summary(
        services.payment_authorize(
            order_id=order_id,
            amount=amount,
            currency=currency,
            provider=provider,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
        )
    )


def payment_void_unrecorded(*, payment_id: str) -> PaymentSummary:
    """Void an authorization whose order could not be recorded (compensation). Raises no provider
    error: a failed void is left to reconciliation."""
    return summary(services.payment_void_unrecorded(payment_id=payment_id))


def payment_capture(*, payment_id: str, idempotency_key: str, amount: int | None = None) -> PaymentSummary:
    return summary(
        services.payment_capture(payment_id=payment_id, idempotency_key=idempotency_key, amount=amount)
    )


def payment_refund(
    *, payment_id: str, amount: int, idempotency_key: str, reason: str = "", actor: str = ""
) -> PaymentSummary:
    return summary(
        services.payment_refund(
            payment_id=payment_id, amount=amount, idempotency_key=idempotency_key, reason=reason, actor=actor
        )
    )


def payment_void(*, payment_id: str, idempotency_key: str) -> PaymentSummary:
    return summary(services.payment_void(payment_id=payment_id, idempotency_key=idempotency_key))


def payment_release(*, payment_id: str, idempotency_key: str, reason: str = "") -> PaymentSummary:
    """Void or refund whatever the payment still holds (order cancelled). Idempotent."""
    return summary(
        services.payment_release(payment_id=payment_id, idempotency_key=idempotency_key, reason=reason)
    )
