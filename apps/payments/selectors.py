"""Reads of payments: the queries behind public.py's read functions and the staff API."""

from django.db.models import Max, Q

from apps.payments.contracts import PaymentCursor, PaymentPage, PaymentRecord, PaymentState, PaymentSummary
from apps.payments.models import Capture, Payment, Refund


def payment_get(*, payment_id: str) -> PaymentSummary:
    """LookupError when there is no such payment."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise LookupError(f"no payment {payment_id}")
    return summary(payment)


def payment_with_refunds(*, payment_id) -> Payment | None:
    """The payment and its refunds (the staff API's answer), or None."""
    return Payment.objects.prefetch_related("refunds").filter(pk=payment_id).first()


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
        "id", "status", "amount_captured", "amount_refunded", "version"
    )
    return {str(pk): PaymentState(*state) for pk, *state in rows}
