"""Reconciliation with the provider: payments in doubt are asked about, and authorizations about to
expire are captured or voided (beat: payments.reconcile; `manage.py payments_reconcile`).

In doubt:
- a capture or refund call that got no answer (`ProviderCallInDoubt`, written when the call raised
  ProviderUnavailable): the provider may have done it;
- a payment left `authorized` and untouched for `PAYMENTS_RECONCILE_AFTER` (a capture whose answer
  and webhook were both lost, or whose in-doubt row was rolled back with its caller), asked at
  most every `PAYMENTS_RECONCILE_EVERY`.
What the provider says moves the payment forward only, as a webhook would (same transitions, the
in-doubt call's own idempotency key on the capture or refund row, so the caller's retry with that
key is a no-op). An authorization still untouched whose order orders never recorded (placement
died between payments' commit and orders') is voided. Then an authorization within `PAYMENTS_EXPIRY_MARGIN` of its expiry is captured
if orders says the order is ready (capture_readiness), otherwise voided, and staff are told.

Idempotent: what it changes leaves the payment out of the next run (resolved, captured, voided, or
asked just now); a run that finds the provider in agreement changes nothing but `reconciled_at`.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

import structlog
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.payments import services
from apps.payments.capture_readiness import orders_ready_to_capture
from apps.payments.contracts import PaymentDeclined, PaymentError
from apps.payments.models import (
    Capture,
    Payment,
    PaymentStatus,
    ProviderCallInDoubt,
    ReconciliationRun,
    Refund,
)
from apps.payments.order_check import orders_recorded
from apps.payments.providers.base import Declined, ProviderState, Rejected, Unavailable
from apps.payments.providers.measured import reconciliation_findings

logger = structlog.get_logger(__name__)
S = PaymentStatus
ACTOR = "reconciliation"


@dataclass(frozen=True)
class Finding:
    payment_id: str
    order_id: str
    provider: str
    finding: str
    detail: str
    needs_staff: bool = False


def payments_reconcile(*, now: datetime | None = None) -> ReconciliationRun:
    """One run over the payments in doubt (at most PAYMENTS_RECONCILE_BATCH); returns its report."""
    now = now or timezone.now()
    run_findings: list[Finding] = []
    ids = _in_doubt(now)
    for payment_id in ids:
        run_findings += _reconcile(payment_id, now)
    for finding in run_findings:
        reconciliation_findings.labels(
            finding.provider, finding.finding, str(finding.needs_staff).lower()
        ).inc()
        log = logger.warning if finding.needs_staff else logger.info
        log("payment_reconciled", **asdict(finding))
    return ReconciliationRun.objects.create(
        started_at=now,
        finished_at=timezone.now(),
        checked=len(ids),
        changed=sum(f.finding != "provider_unavailable" for f in run_findings),
        needs_staff=sum(f.needs_staff for f in run_findings),
        findings=[asdict(f) for f in run_findings],
    )


def _in_doubt(now: datetime) -> list:
    """Payment ids to look at, oldest news first: open in-doubt calls, authorizations near expiry,
    and authorized payments untouched for a while and not asked about lately."""
    doubtful = ProviderCallInDoubt.objects.filter(resolved_at__isnull=True).values("payment_id")
    expiring = Q(authorization_expires_at__lte=now + settings.PAYMENTS_EXPIRY_MARGIN)
    stale = Q(updated_at__lte=now - settings.PAYMENTS_RECONCILE_AFTER) & (
        Q(reconciled_at__isnull=True) | Q(reconciled_at__lte=now - settings.PAYMENTS_RECONCILE_EVERY)
    )
    return list(
        Payment.objects.filter(Q(pk__in=doubtful) | Q(status=S.AUTHORIZED) & (expiring | stale))
        .order_by("updated_at")
        .values_list("pk", flat=True)[: settings.PAYMENTS_RECONCILE_BATCH]
    )


def _reconcile(payment_id, now: datetime) -> list[Finding]:
    with services._locked(payment_id) as payment:
        try:
            findings = _agree_with_provider(payment, now)
        except Unavailable as exc:  # asked again next run
            return [_finding(payment, "provider_unavailable", str(exc)[:300])]
        except (Rejected, Declined) as exc:  # the provider will not say (an unknown reference?)
            findings = [_finding(payment, "provider_refused_lookup", str(exc)[:300], staff=True)]
        Payment.objects.filter(pk=payment.pk).update(reconciled_at=now)  # bookkeeping: no new version
    unrecorded = _without_order(payment_id, now)
    if unrecorded is not None:
        return [*findings, unrecorded]
    expiry = _before_expiry(payment, now)
    return findings + ([expiry] if expiry else [])


def _without_order(payment_id, now: datetime) -> Finding | None:
    """An authorization untouched for PAYMENTS_RECONCILE_AFTER whose order was never recorded: void
    it. Decided under the payment's row lock, on the `updated_at` read there: a retry of the placing
    request renews it (services._reuse, conditional on the version) before it records the order, so
    either the retry goes first and the payment is left alone, or the void does and the retry fails."""
    try:
        with services._locked(payment_id) as payment:
            if payment.status != S.AUTHORIZED or payment.updated_at > now - settings.PAYMENTS_RECONCILE_AFTER:
                return None
            if str(payment.order_id) in orders_recorded([str(payment.order_id)]):
                return None
            untouched = f"no order was recorded for it (authorized {payment.updated_at:%Y-%m-%d %H:%M} UTC)"
            services.payment_void(
                payment_id=payment.pk,
                idempotency_key=f"unrecorded:{payment.pk}",
                actor=ACTOR,
                reason=untouched,
            )
    except PaymentError as exc:  # asked again after PAYMENTS_RECONCILE_EVERY; staff may void it sooner
        return _finding(payment, "unrecorded_not_voided", f"{type(exc).__name__}: {exc}"[:300], staff=True)
    payment.refresh_from_db()
    return _finding(payment, "voided_without_order", untouched)


def _agree_with_provider(payment: Payment, now: datetime) -> list[Finding]:
    """Ask the provider (under the payment's row lock) and take over what it did that we missed."""
    open_calls = _settled_by_retry(payment, now)
    state = None
    if payment.provider_ref:
        state = services._provider(payment.provider).retrieve(provider_ref=payment.provider_ref)
    if state is None:  # nothing to ask (the sandbox keeps no state; no reference learned yet)
        return []
    findings = [
        f
        for f in (
            _take_capture(payment, state, open_calls),
            _take_void(payment, state),
            *_take_refunds(payment, state, open_calls),
        )
        if f is not None
    ]
    for call in open_calls:  # whatever the provider did not do was not done: the caller may retry
        call.resolved_at, call.resolution = now, f"not done at the provider ({state.status})"
        call.save(update_fields=["resolved_at", "resolution"])
        if call.operation == "refund":
            findings.append(_finding(payment, "refund_not_done", f"{call.amount} not refunded", staff=True))
    return findings


def _settled_by_retry(payment: Payment, now: datetime) -> list[ProviderCallInDoubt]:
    """The payment's open in-doubt calls, less those the caller's own retry (same key) went through
    for since: those are closed here, with nothing to take over."""
    open_calls = []
    for call in payment.calls_in_doubt.filter(resolved_at__isnull=True).order_by("created_at", "id"):
        records = Capture.objects if call.operation == "capture" else Refund.objects
        if records.filter(payment=payment, idempotency_key=call.idempotency_key).exists():
            call.resolved_at, call.resolution = now, "done by the caller's retry"
            call.save(update_fields=["resolved_at", "resolution"])
        else:
            open_calls.append(call)
    return open_calls


def _take_capture(payment: Payment, state: ProviderState, calls: list) -> Finding | None:
    if not (
        payment.status == S.AUTHORIZED and state.status in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED)
    ):
        return None
    call = next((c for c in calls if c.operation == "capture"), None)
    amount = min(state.amount_captured or payment.amount_authorized, payment.amount_authorized)
    services._transition(
        payment,
        "capture",
        actor=ACTOR,
        reason="captured at the provider, no answer or webhook reached us",
        event={"captured": amount},
        amount_captured=amount,
        failure_code="",
        failure_message="",
    )
    key = call.idempotency_key if call else f"reconcile:{payment.pk}"
    Capture.objects.create(payment=payment, amount=amount, idempotency_key=key)
    if call:
        _resolve(call, "captured at the provider", calls)
    return _finding(payment, "captured_at_provider", f"{amount} {payment.currency} captured")


def _take_void(payment: Payment, state: ProviderState) -> Finding | None:
    if not (payment.status in (S.REQUIRES_AUTHORIZATION, S.AUTHORIZED) and state.status == S.VOIDED):
        return None
    services._transition(payment, "void", actor=ACTOR, reason="cancelled at the provider (expired?)")
    return _finding(
        payment, "voided_at_provider", "the authorization is gone: no capture possible", staff=True
    )


def _take_refunds(payment: Payment, state: ProviderState, calls: list) -> list[Finding]:
    """Refunds the provider made that we have not recorded: each in-doubt refund it covers under its
    own key, any rest (made at the provider's dashboard) as one refund of the difference."""
    if payment.status not in (S.CAPTURED, S.PARTIALLY_REFUNDED):
        return []
    missing = min(state.amount_refunded, payment.amount_captured) - payment.amount_refunded
    findings = []
    for call in [c for c in calls if c.operation == "refund"]:
        if 0 < call.amount <= missing:
            services._record_refund(
                payment,
                amount=call.amount,
                provider_ref="",
                key=call.idempotency_key,
                reason=call.reason,
                actor=call.actor,
            )
            missing -= call.amount
            _resolve(call, "refunded at the provider", calls)
            findings.append(_finding(payment, "refunded_at_provider", f"{call.amount} {payment.currency}"))
    if missing > 0:
        total = payment.amount_refunded + missing
        services._record_refund(
            payment,
            amount=missing,
            provider_ref="",
            key=f"reconcile:{payment.pk}:{total}",
            reason="refunded at the provider",
            actor=ACTOR,
        )
        findings.append(
            _finding(payment, "refunded_at_provider", f"{missing} {payment.currency}, no request of ours")
        )
    return findings


def _before_expiry(payment: Payment, now: datetime) -> Finding | None:
    """An authorization about to lapse: capture it if the order is ready, else let it go and say so."""
    expires = payment.authorization_expires_at
    if payment.status != S.AUTHORIZED or expires is None or expires > now + settings.PAYMENTS_EXPIRY_MARGIN:
        return None
    key, when = f"expiry:{payment.pk}", f"{expires:%Y-%m-%d %H:%M} UTC"
    why = f"authorization expires {when}, order not ready to capture"
    try:
        if str(payment.order_id) in orders_ready_to_capture([str(payment.order_id)]):
            try:
                services.payment_capture(payment_id=payment.pk, idempotency_key=key, actor=ACTOR)
                return _finding(payment, "captured_before_expiry", f"authorization expires {when}")
            except PaymentDeclined as declined:  # refused now, lapsed soon: let it go rather than retry
                why = f"authorization expires {when}, capture refused ({declined.code})"
        services.payment_void(payment_id=payment.pk, idempotency_key=key, actor=ACTOR, reason=why)
    except PaymentError as exc:  # the provider did not answer: the next run tries again
        return _finding(payment, "expiry_not_handled", f"{type(exc).__name__}: {exc}"[:300], staff=True)
    return _finding(payment, "voided_before_expiry", f"{why}: ask the customer to pay again", staff=True)


def _resolve(call: ProviderCallInDoubt, resolution: str, calls: list) -> None:
    call.resolved_at, call.resolution = timezone.now(), resolution
    call.save(update_fields=["resolved_at", "resolution"])
    calls.remove(call)


def _finding(payment: Payment, finding: str, detail: str, *, staff: bool = False) -> Finding:
    return Finding(str(payment.pk), str(payment.order_id), payment.provider, finding, detail, staff)
