"""Payment writes. Provider calls happen outside database transactions, except where a row lock
must keep two staff actions from moving the same money twice (capture, refund: see _locked)."""

from contextlib import contextmanager
from dataclasses import fields
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.db import insert_one, update_at_version
from apps.payments.contracts import (
    AmountInvalid,
    PaymentAmountChanged,
    PaymentDeclined,
    PaymentError,
    PaymentStateConflict,
    ProviderRejectedRequest,
    ProviderUnavailable,
    UnknownProvider,
)
from apps.payments.event_data import PaymentCapturedData, PaymentData, PaymentFailedData, PaymentRefundedData
from apps.payments.models import (
    Capture,
    ParkedWebhook,
    Payment,
    PaymentStatus,
    PaymentStatusChange,
    ProviderCallInDoubt,
    ProviderEvent,
    Refund,
)
from apps.payments.providers import get_provider
from apps.payments.providers.base import (
    Declined,
    PaymentProvider,
    Rejected,
    Unavailable,
    UnreadableWebhook,
    WebhookEvent,
)
from apps.payments.transitions import TRANSITIONS

logger = structlog.get_logger(__name__)
S = PaymentStatus
PROVIDER_UNAVAILABLE = "provider_unavailable"
PROVIDER_REJECTED = "provider_rejected_request"


def payment_authorize(
    *,
    order_id: str,
    amount: int,
    currency: str,
    provider: str,
    payment_method: str,
    idempotency_key: str,
) -> Payment:
    """Create a payment intent and authorize it, committed in payments' own transaction. The same
    idempotency_key again returns the same payment (or the same decline), and a retry after a
    provider timeout reuses the provider's intent.

    The caller records what the money is for (the order) in its own transaction next, and voids
    the authorization (payment_void_unrecorded) if that fails. One nobody recorded (the caller
    died between the two commits) is voided by reconciliation once untouched for
    PAYMENTS_RECONCILE_AFTER, unless a retry of the same request takes it over first (_reuse).
    """
    adapter = _provider(provider)
    payment = _payment_for_key(
        idempotency_key,
        order_id=order_id,
        provider=provider,
        payment_method=payment_method,
        currency=currency,
        amount=amount,
    )
    if payment.status == S.FAILED:
        raise PaymentDeclined(payment.failure_code, payment.failure_message, str(payment.pk))
    if (payment.amount, payment.currency) != (amount, currency):
        # A retry re-priced since the first run: its authorization (or the provider's intent under
        # this key) is for the old amount. Neither reused nor renewed: reconciliation voids it.
        raise PaymentAmountChanged(
            payment_id=str(payment.pk), authorized=payment.amount, total=amount, currency=currency
        )
    if payment.status != S.REQUIRES_AUTHORIZATION:  # authorized by an earlier run of this request
        return _reuse(payment)
    provider_ref = _authorize_at_provider(adapter, payment, idempotency_key)
    try:
        _transition(
            payment,
            "authorize",
            provider_ref=provider_ref,
            amount_authorized=amount,
            failure_code="",
            authorization_expires_at=authorization_expiry(provider),
        )
    except BaseException:
        _void_unrecorded(adapter, payment, provider_ref)
        raise
    return payment


def _reuse(payment: Payment) -> Payment:
    """An earlier run of this request authorized the payment; its caller may have died before
    recording the order. Taking it over renews the lease reconciliation respects (`updated_at`),
    conditional on the version read: if the sweep voided it first, this run learns so here."""
    if payment.status == S.AUTHORIZED:
        now = timezone.now()
        if Payment.objects.filter(pk=payment.pk, version=payment.version).update(updated_at=now):
            payment.updated_at = now
        else:
            payment.refresh_from_db()
    if payment.status == S.VOIDED:
        raise PaymentStateConflict(
            "This request's payment was voided (its order was not recorded); place the order again "
            "with a new Idempotency-Key.",
            payment.status,
        )
    return payment


def payment_void_unrecorded(*, payment_id) -> Payment:
    """Compensation: void an authorization whose order could not be recorded. Never raises for the
    provider: a void it refuses or does not answer leaves the payment `authorized` with
    failure_code `void_failed`, and reconciliation voids it later (no order, untouched)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == S.AUTHORIZED:
        _void_unrecorded(_provider(payment.provider), payment, payment.provider_ref)
        payment.refresh_from_db()
    return payment


def _authorize_at_provider(adapter: PaymentProvider, payment: Payment, idempotency_key: str) -> str:
    try:
        return adapter.authorize(
            amount=payment.amount,
            currency=payment.currency,
            payment_method=payment.payment_method,
            idempotency_key=idempotency_key,
            metadata={"order_id": str(payment.order_id), "payment_id": str(payment.pk)},
        )
    except Declined as declined:
        _transition(
            payment,
            "fail",
            reason=declined.code,
            event={"failure_code": declined.code},
            failure_code=declined.code,
            failure_message=declined.message[:500],
        )
        raise PaymentDeclined(declined.code, declined.message, str(payment.pk)) from None
    except Unavailable as exc:
        _update(payment, failure_code=PROVIDER_UNAVAILABLE, failure_message=str(exc)[:500])
        raise ProviderUnavailable(str(exc)) from None
    except Rejected as rejected:
        # Our request was wrong, not the card: the payment is not failed, staff see why it is stuck.
        _update(payment, failure_code=PROVIDER_REJECTED, failure_message=str(rejected)[:500])
        raise _rejected(payment, "authorize", rejected) from None


def _void_unrecorded(adapter: PaymentProvider, payment: Payment, provider_ref: str) -> None:
    """The authorization succeeded at the provider but was not recorded, or its order was not:
    void it there and record the payment as voided, so no money stays held for no order."""
    payment.refresh_from_db()
    try:
        adapter.void(provider_ref=provider_ref, idempotency_key=f"void:{payment.idempotency_key}")
    except (Declined, Unavailable, Rejected):
        logger.exception("payment_void_after_rollback_failed", payment_id=str(payment.pk))
        _update(payment, provider_ref=provider_ref, failure_code="void_failed")
        return
    _transition(
        payment,
        "void",
        reason="its order was not recorded",
        provider_ref=provider_ref,
        amount_authorized=payment.amount,
    )


def payment_capture(
    *, payment_id, idempotency_key: str, amount: int | None = None, actor: str = ""
) -> Payment:
    """Capture `amount` (default: all authorized) once; the rest of the authorization is released.
    Capturing again with the same key is a no-op. A refused capture is recorded on the payment."""
    try:
        return _capture(payment_id, idempotency_key, amount, actor)
    except PaymentDeclined as declined:
        _record_capture_failure(payment_id, declined, actor)
        raise
    except ProviderUnavailable:
        _note_in_doubt(payment_id, "capture", idempotency_key, amount, actor=actor)
        raise


def authorization_expiry(provider: str):
    """When an authorization made now lapses at `provider` (a per-provider setting)."""
    validity = settings.PAYMENTS_AUTHORIZATION_VALIDITY.get(
        provider, settings.PAYMENTS_AUTHORIZATION_VALIDITY_DEFAULT
    )
    return timezone.now() + validity


def _note_in_doubt(payment_id, operation: str, key: str, amount: int | None, **context) -> None:
    """A capture or refund got no answer: the provider may have done it. Kept (once per key) for
    reconciliation. Inside a caller's transaction that then rolls back the note goes too; the
    caller's own retry, or reconciliation's sweep of authorized payments, covers that."""
    if amount is None:
        amount = Payment.objects.filter(pk=payment_id).values_list("amount_authorized", flat=True).first()
    with transaction.atomic():
        ProviderCallInDoubt.objects.get_or_create(
            idempotency_key=key,
            defaults={"payment_id": payment_id, "operation": operation, "amount": amount or 0, **context},
        )


def _record_capture_failure(payment_id, declined: PaymentDeclined, actor: str) -> None:
    """A refused capture leaves the payment authorized (finance may retry it) but is news: a new
    version and PaymentCaptureFailed, so the order, staff filters and reporting all see it."""
    with _locked(payment_id) as payment:
        if payment.status != S.AUTHORIZED:
            return
        _transition(
            payment,
            "refuse_capture",
            actor=actor,
            reason=declined.code,
            event={"failure_code": declined.code},
            failure_code=declined.code,
            failure_message=declined.message[:500],
        )


def _capture(payment_id, idempotency_key: str, amount: int | None, actor: str) -> Payment:
    with _locked(payment_id) as payment:
        existing = Capture.objects.filter(payment=payment).first()
        if existing is not None and existing.idempotency_key == idempotency_key:
            return payment
        _require(payment, S.AUTHORIZED, action="capture")
        amount = payment.amount_authorized if amount is None else amount
        if not 0 < amount <= payment.amount_authorized:
            raise AmountInvalid(f"capture between 1 and {payment.amount_authorized} {payment.currency}")
        _call(
            payment,
            "capture",
            provider_ref=payment.provider_ref,
            amount=amount,
            idempotency_key=idempotency_key,
        )
        _transition(
            payment,
            "capture",
            actor=actor,
            event={"captured": amount},
            amount_captured=amount,
            failure_code="",
            failure_message="",
        )
        Capture.objects.create(payment=payment, amount=amount, idempotency_key=idempotency_key)
    return payment


def payment_refund(
    *, payment_id, amount: int, idempotency_key: str, reason: str = "", actor: str = ""
) -> Payment:
    """Refund part or all of what is captured and not yet refunded. The same key again is a no-op.
    A refund that gets no answer is kept in doubt for reconciliation."""
    try:
        return _refund(payment_id, amount, idempotency_key, reason, actor)
    except ProviderUnavailable:
        _note_in_doubt(payment_id, "refund", idempotency_key, amount, reason=reason[:500], actor=actor[:300])
        raise


def _refund(payment_id, amount: int, idempotency_key: str, reason: str, actor: str) -> Payment:
    with _locked(payment_id) as payment:
        if Refund.objects.filter(idempotency_key=idempotency_key, payment=payment).exists():
            return payment
        _require(payment, S.CAPTURED, S.PARTIALLY_REFUNDED, action="refund")
        refundable = payment.amount_captured - payment.amount_refunded
        if not 0 < amount <= refundable:
            raise AmountInvalid(
                f"refund between 1 and {refundable} {payment.currency} (captured and not yet refunded)"
            )
        ref = _call(
            payment,
            "refund",
            provider_ref=payment.provider_ref,
            amount=amount,
            idempotency_key=idempotency_key,
        )
        _record_refund(
            payment, amount=amount, provider_ref=ref, key=idempotency_key, reason=reason, actor=actor
        )
    return payment


def payment_void(*, payment_id, idempotency_key: str, actor: str = "", reason: str = "") -> Payment:
    """Cancel an authorization that was not captured. Idempotent."""
    with _locked(payment_id) as payment:
        if payment.status in (S.VOIDED, S.FAILED):
            return payment
        _require(payment, S.AUTHORIZED, S.REQUIRES_AUTHORIZATION, action="void")
        if payment.provider_ref:
            _call(payment, "void", provider_ref=payment.provider_ref, idempotency_key=idempotency_key)
        _transition(payment, "void", actor=actor, reason=reason)
    return payment


def payment_release(*, payment_id, idempotency_key: str, reason: str = "") -> Payment:
    """Give the customer's money back, whatever state it is in: void an authorization, refund what
    was captured and is not refunded yet. Idempotent; used when an order is cancelled."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status in (S.AUTHORIZED, S.REQUIRES_AUTHORIZATION):
        return payment_void(payment_id=payment_id, idempotency_key=idempotency_key, reason=reason)
    if payment.status in (S.CAPTURED, S.PARTIALLY_REFUNDED):
        remaining = payment.amount_captured - payment.amount_refunded
        return payment_refund(
            payment_id=payment_id,
            amount=remaining,
            idempotency_key=idempotency_key,
            reason=reason or "cancelled",
        )
    return payment


def payments_void_abandoned(*, older_than: timedelta) -> int:
    """Void payments still waiting for an authorization answer long after any retry of their
    request could come (the provider timed out and the client gave up). Returns how many."""
    stale = Payment.objects.filter(
        status=S.REQUIRES_AUTHORIZATION, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    voided = 0
    for payment_id in stale:
        try:
            payment_void(
                payment_id=payment_id,
                idempotency_key=f"abandoned:{payment_id}",
                reason="no authorization answer within the idempotency window",
            )
            voided += 1
        except PaymentError:
            logger.exception("payment_void_abandoned_failed", payment_id=str(payment_id))
    return voided


def provider_event_apply(*, provider: str, event: WebhookEvent) -> bool:
    """Apply a verified provider callback once. Moves the payment forward only: an event older than
    the payment's state (they arrive out of order) is recorded and changes nothing."""
    with transaction.atomic():
        payment = _payment_of(provider, event)
        applied = payment is not None and _apply(payment, event)
        try:
            with transaction.atomic():
                ProviderEvent.objects.create(
                    provider=provider,
                    event_id=event.event_id,
                    kind=event.kind,
                    provider_ref=event.provider_ref,
                    occurred_at=event.occurred_at,
                    applied=applied,
                )
        except IntegrityError:
            transaction.set_rollback(True)  # seen before: undo what _apply just did
            return False
    return applied


def provider_webhook_park(*, provider: str, body: bytes, problem: UnreadableWebhook) -> ParkedWebhook:
    """Keep a signed but unreadable callback for staff; the same event id again parks nothing new."""
    fields = {
        "event_type": problem.event_type[:255],
        "reason": problem.reason[:2000],
        "body": body.decode("utf-8", errors="replace")[:1_000_000],
    }
    logger.warning(
        "payment_webhook_parked", provider=provider, event_id=problem.event_id, reason=problem.reason[:300]
    )
    if not problem.event_id:
        return ParkedWebhook.objects.create(provider=provider, **fields)
    parked, _ = ParkedWebhook.objects.get_or_create(
        provider=provider, event_id=problem.event_id[:255], defaults=fields
    )
    return parked


def _payment_of(provider: str, event: WebhookEvent) -> Payment | None:
    """The payment the callback is about, row-locked: by the provider's reference, or by our id
    echoed back when the authorize call timed out before we learned the reference."""
    payments = Payment.objects.select_for_update().filter(provider=provider)
    payment = payments.filter(provider_ref=event.provider_ref).first()
    if payment is None and event.payment_id:
        payment = payments.filter(pk=event.payment_id, provider_ref="").first()
        if payment is not None:
            _update(payment, provider_ref=event.provider_ref)
    return payment


def _apply(payment: Payment, event: WebhookEvent) -> bool:
    by = {"actor": f"{payment.provider} webhook", "reason": f"event {event.event_id}"}
    if event.kind == "authorized" and payment.status == S.REQUIRES_AUTHORIZATION:
        amount = event.amount or payment.amount
        expires = authorization_expiry(payment.provider)
        _transition(
            payment,
            "authorize",
            **by,
            amount_authorized=amount,
            failure_code="",
            authorization_expires_at=expires,
        )
    elif event.kind == "captured" and payment.status == S.AUTHORIZED:
        amount = min(event.amount or payment.amount_authorized, payment.amount_authorized)
        _transition(payment, "capture", **by, event={"captured": amount}, amount_captured=amount)
        Capture.objects.create(
            payment=payment, amount=amount, idempotency_key=f"{payment.provider}:{event.event_id}"
        )
    elif event.kind == "voided" and payment.status in (S.REQUIRES_AUTHORIZATION, S.AUTHORIZED):
        _transition(payment, "void", **by)
    elif event.kind == "failed" and payment.status == S.REQUIRES_AUTHORIZATION:
        code = event.failure_code or "failed"
        _transition(payment, "fail", **by, event={"failure_code": code}, failure_code=code)
    elif (
        event.kind == "refunded"
        and payment.status in (S.CAPTURED, S.PARTIALLY_REFUNDED)
        and event.amount > payment.amount_refunded
    ):
        # The provider reports the running total: record only what we have not heard of yet.
        delta = min(event.amount, payment.amount_captured) - payment.amount_refunded
        _record_refund(
            payment,
            amount=delta,
            provider_ref="",
            key=f"{payment.provider}:{event.event_id}",
            reason="refunded at the provider",
            actor=payment.provider,
        )
    else:
        return False
    return True


def _record_refund(
    payment: Payment, *, amount: int, provider_ref: str, key: str, reason: str, actor: str
) -> None:
    total = payment.amount_refunded + amount
    full = total == payment.amount_captured
    _transition(
        payment,
        "refund" if full else "refund_part",
        actor=actor,
        reason=reason,
        event={"refunded": amount, "amount_refunded": total, "fully_refunded": full},
        amount_refunded=total,
    )
    Refund.objects.create(
        payment=payment,
        amount=amount,
        provider_ref=provider_ref,
        idempotency_key=key,
        reason=reason[:500],
        created_by=actor[:254],
    )


def _payment_for_key(idempotency_key: str, **fields) -> Payment:
    try:
        return insert_one(Payment, idempotency_key=idempotency_key, **fields)
    except IntegrityError:
        return Payment.objects.get(idempotency_key=idempotency_key)


@contextmanager
def _locked(payment_id):
    """The payment, row-locked for the transaction: concurrent captures and refunds of one payment
    queue here instead of both reaching the provider. Provider calls time out (10 s), bounding the wait."""
    with transaction.atomic():
        try:
            yield Payment.objects.select_for_update().get(pk=payment_id)
        except Payment.DoesNotExist:
            raise LookupError(f"no payment {payment_id}") from None


def _transition(
    payment: Payment, action: str, *, actor: str = "", reason: str = "", event: dict | None = None, **changes
) -> None:
    """The one place a payment changes status: guarded by TRANSITIONS, optimistic on `version`,
    audited (PaymentStatusChange), announced (the transition's event, with `event`'s extra fields)."""
    transition = TRANSITIONS[action]
    _require(payment, *transition.sources, action=action)
    previous = payment.status
    with transaction.atomic():
        _update(payment, status=transition.target, **changes)
        PaymentStatusChange.objects.create(
            payment=payment,
            action=action,
            from_status=previous,
            to_status=payment.status,
            version=payment.version,
            actor=(actor or "system")[:300],
            reason=reason[:500],
        )
        transition.signal.send(**_event(payment, **(event or {})))


def _update(payment: Payment, **changes) -> None:
    """Optimistic locking: the write applies only to the version we read; a lost race is a conflict."""
    if not update_at_version(payment, **changes):
        raise PaymentStateConflict(
            "The payment was changed by another request; reload and retry.", payment.status
        )


def _require(payment: Payment, *allowed: str, action: str) -> None:
    if payment.status not in allowed:
        raise PaymentStateConflict(f"A {payment.status} payment cannot {action}.", payment.status)


def _call(payment: Payment, operation: str, **kwargs):
    try:
        return getattr(_provider(payment.provider), operation)(**kwargs)
    except Declined as declined:
        raise PaymentDeclined(declined.code, declined.message, str(payment.pk)) from None
    except Unavailable as exc:
        raise ProviderUnavailable(str(exc)) from None
    except Rejected as rejected:
        raise _rejected(payment, operation, rejected) from None


def _rejected(payment: Payment, operation: str, rejected: Rejected) -> ProviderRejectedRequest:
    """Log at error a request the provider refused as ours to fix (counted as outcome "rejected"
    by the measured provider; the PaymentRequestsRejected alert fires on any)."""
    logger.error(
        "payment_provider_rejected_request",
        payment_id=str(payment.pk),
        provider=payment.provider,
        operation=operation,
        code=rejected.code,
        provider_request_id=rejected.request_id,
        error=rejected.message[:500],
    )
    return ProviderRejectedRequest(rejected.code, rejected.request_id, str(payment.pk))


def _provider(name: str) -> PaymentProvider:
    try:
        return get_provider(name)
    except LookupError:
        raise UnknownProvider(name) from None


def _event(payment: Payment, **extra) -> dict:
    data = {
        "payment_id": str(payment.pk),
        "order_id": str(payment.order_id),
        "provider": payment.provider,
        "status": payment.status,
        "currency": payment.currency,
        "amount_authorized": payment.amount_authorized,
        "amount_captured": payment.amount_captured,
        "amount_refunded": payment.amount_refunded,
    }
    data_class = _DATA_CLASSES[frozenset(extra) - _SHARED_FIELDS]  # KeyError: a field no event has
    return {
        "sender": Payment,
        "subject": str(payment.pk),
        "aggregate_version": payment.version,
        "data": data_class(**data | extra),
    }


# Each payments event's data is PaymentData plus the fields of its own (event_data.py): the extra
# fields a change announces name its class (authorized and voided, failed and capture-failed share one).
_SHARED_FIELDS = frozenset(f.name for f in fields(PaymentData))
_DATA_CLASSES = {
    frozenset(f.name for f in fields(data_class)) - _SHARED_FIELDS: data_class
    for data_class in (PaymentData, PaymentCapturedData, PaymentRefundedData, PaymentFailedData)
}
