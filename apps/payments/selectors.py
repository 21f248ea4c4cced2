"""Reads of payments: the queries behind public.py's read functions and the staff API."""

from datetime import timedelta

from django.db.models import Max, Q
from django.utils import timezone

from apps.payments.contracts import (
    PaymentActivity,
    PaymentAttention,
    PaymentCursor,
    PaymentPage,
    PaymentRecord,
    PaymentState,
    PaymentSummary,
    RefundRecord,
)
from apps.payments.models import Capture, Payment, PaymentStatus, Refund


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


def payment_activity(*, payment_id: str) -> list[PaymentActivity]:
    """What happened to the payment's money, oldest first. A void's or a failure's time is that of
    its audit row (the row's last update for payments older than the audit trail)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return []
    # The latest change per action (rows are oldest first, so later ones overwrite).
    at = {c.action: c.created_at for c in payment.status_changes.all()}
    currency = payment.currency
    failure = f"{payment.failure_code}: {payment.failure_message}" if payment.failure_code else ""
    activity = []
    if payment.status == PaymentStatus.FAILED:
        activity.append(
            PaymentActivity(
                "authorization_failed", payment.amount, currency, at.get("fail", payment.updated_at), failure
            )
        )
    elif payment.amount_authorized:
        activity.append(
            PaymentActivity("authorized", payment.amount_authorized, currency, payment.created_at)
        )
    capture = Capture.objects.filter(payment=payment).first()
    if capture is not None:
        activity.append(PaymentActivity("captured", capture.amount, currency, capture.created_at))
    elif _capture_failed(payment.status, payment.failure_code):
        activity.append(
            PaymentActivity(
                "capture_failed",
                payment.amount_authorized,
                currency,
                at.get("refuse_capture", payment.updated_at),
                failure,
            )
        )
    for refund in payment.refunds.all():
        activity.append(
            PaymentActivity(
                "refunded", refund.amount, currency, refund.created_at, refund.reason, refund.created_by
            )
        )
    if payment.status == PaymentStatus.VOIDED:
        activity.append(
            PaymentActivity("voided", payment.amount_authorized, currency, at.get("void", payment.updated_at))
        )
    return sorted(activity, key=lambda a: a.at)


def payment_attention(
    *, stuck_after: timedelta = timedelta(minutes=30), limit: int = 1000
) -> PaymentAttention:
    """Order ids of payments whose capture was refused, and of payments still waiting for an
    authorization answer after `stuck_after` (at most `limit` of each)."""
    refused = (
        Payment.objects.filter(status=PaymentStatus.AUTHORIZED)
        .exclude(failure_code__in=("", "void_failed"))
        .values_list("order_id", flat=True)[:limit]
    )
    stuck = Payment.objects.filter(
        status=PaymentStatus.REQUIRES_AUTHORIZATION, created_at__lt=timezone.now() - stuck_after
    ).values_list("order_id", flat=True)[:limit]
    return PaymentAttention(tuple(str(o) for o in refused), tuple(str(o) for o in stuck))
