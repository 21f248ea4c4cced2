"""The payments module's public surface: the only payments code other modules may import.

Failures raise the exceptions in contracts.py (PaymentDeclined, ProviderUnavailable,
UnknownProvider, PaymentStateConflict, AmountInvalid); LookupError for an unknown payment.
"""

from collections.abc import Callable

from django.db.models import Max, Q

from apps.payments import services
from apps.payments.contracts import (
    PaymentCursor,
    PaymentPage,
    PaymentRecord,
    PaymentState,
    PaymentSummary,
    RefundRecord,
)
from apps.payments.models import Capture, Payment, PaymentStatus, Refund
from apps.payments.providers import enabled_providers

__all__ = [
    "enabled_providers",
    "payment_authorize",
    "payment_capture",
    "payment_get",
    "payment_refund",
    "payment_release",
    "payment_void",
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
    record_with: Callable[[PaymentSummary], None] | None = None,
) -> PaymentSummary:
    """Create and authorize a payment intent (manual capture). Idempotent per idempotency_key.

    `record_with(summary)` runs in the transaction that records the authorization: the caller's
    rows commit with it or not at all, and if it raises the authorization is voided."""
    return summary(
        services.payment_authorize(
            order_id=order_id,
            amount=amount,
            currency=currency,
            provider=provider,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            record_with=(lambda payment: record_with(summary(payment))) if record_with else None,
        )
    )


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


def payment_get(*, payment_id: str) -> PaymentSummary:
    """LookupError when there is no such payment."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise LookupError(f"no payment {payment_id}")
    return summary(payment)


def payments_get(*, payment_ids: list[str]) -> dict[str, PaymentSummary]:
    """Summaries by payment id, one query (order lists in the admin)."""
    return {str(p.pk): summary(p) for p in Payment.objects.filter(pk__in=payment_ids)}


def summary(payment: Payment) -> PaymentSummary:
    return PaymentSummary(
        id=str(payment.pk),
        order_id=str(payment.order_id),
        provider=payment.provider,
        status=payment.status,
        currency=payment.currency,
        amount=payment.amount,
        amount_authorized=payment.amount_authorized,
        amount_captured=payment.amount_captured,
        amount_refunded=payment.amount_refunded,
        failure_code=payment.failure_code,
        failure_message=payment.failure_message,
        version=payment.version,
    )


def payments_page(*, after: PaymentCursor | None, limit: int) -> PaymentPage:
    """Payments in (created_at, id) order after the cursor, `limit` at most (a keyset page), with
    when each was captured and last refunded."""
    payments = Payment.objects.order_by("created_at", "id")
    if after is not None:
        payments = payments.filter(
            Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, id__gt=after.id)
        )
    rows = list(payments[:limit])
    ids = [p.pk for p in rows]
    captured = dict(Capture.objects.filter(payment_id__in=ids).values_list("payment_id", "created_at"))
    refunded = dict(
        Refund.objects.filter(payment_id__in=ids)
        .values("payment_id")
        .annotate(last=Max("created_at"))
        .values_list("payment_id", "last")
        .order_by()
    )
    records = tuple(
        PaymentRecord(
            id=str(p.pk),
            order_id=str(p.order_id),
            provider=p.provider,
            status=p.status,
            currency=p.currency,
            amount_authorized=p.amount_authorized,
            amount_captured=p.amount_captured,
            amount_refunded=p.amount_refunded,
            failure_code=p.failure_code,
            version=p.version,
            created_at=p.created_at,
            updated_at=p.updated_at,
            captured_at=captured.get(p.pk),
            last_refunded_at=refunded.get(p.pk),
        )
        for p in rows
    )
    last = records[-1] if len(records) == limit else None
    return PaymentPage(records=records, next=PaymentCursor(last.created_at, last.id) if last else None)


def payments_count() -> int:
    """How many payments there are (a backfill's progress bar)."""
    return Payment.objects.count()


def payments_state(*, payment_ids: list[str]) -> dict[str, PaymentState]:
    """Status, captured and refunded amounts and version by payment id, one query: the lean read a
    backfill needs per batch of orders (payments_get builds whole summaries)."""
    rows = Payment.objects.filter(pk__in=payment_ids).values_list(
        "id", "status", "amount_captured", "amount_refunded", "version", "failure_code"
    )
    return {
        str(pk): PaymentState(*state, capture_failed=_capture_failed(state[0], failure))
        for pk, *state, failure in rows
    }


def _capture_failed(status: str, failure_code: str) -> bool:
    """An authorized payment keeps a failure code only from a refused capture (a success clears it)."""
    return status == PaymentStatus.AUTHORIZED and failure_code not in ("", "void_failed")


def refunds_of(*, payment_ids: list[str]) -> dict[str, list[RefundRecord]]:
    """Every refund of these payments, oldest first, by payment id (one query; orders shows them)."""
    refunds: dict[str, list[RefundRecord]] = {str(pk): [] for pk in payment_ids}
    rows = (
        Refund.objects.filter(payment_id__in=payment_ids)
        .select_related("payment")
        .order_by("created_at", "id")
    )
    for r in rows:
        refunds[str(r.payment_id)].append(
            RefundRecord(
                payment_id=str(r.payment_id),
                amount=r.amount,
                currency=r.payment.currency,
                reason=r.reason,
                created_by=r.created_by,
                created_at=r.created_at,
            )
        )
    return refunds
