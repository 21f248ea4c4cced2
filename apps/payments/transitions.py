"""Which status changes a payment may make: data, checked in one place (services._transition).

Each action names the statuses it may start from, the status it ends in and the event it
announces. `refuse_capture` keeps the payment authorized (finance may retry) but is news all the
same: a new version, an audit row and PaymentCaptureFailed.
"""

from dataclasses import dataclass

from django.dispatch import Signal

from apps.payments import signals
from apps.payments.models import PaymentStatus as S


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    signal: Signal


_UNCAPTURED = frozenset({S.REQUIRES_AUTHORIZATION, S.AUTHORIZED})
_REFUNDABLE = frozenset({S.CAPTURED, S.PARTIALLY_REFUNDED})

TRANSITIONS: dict[str, Transition] = {
    "authorize": Transition(frozenset({S.REQUIRES_AUTHORIZATION}), S.AUTHORIZED, signals.payment_authorized),
    "fail": Transition(frozenset({S.REQUIRES_AUTHORIZATION}), S.FAILED, signals.payment_failed),
    "capture": Transition(frozenset({S.AUTHORIZED}), S.CAPTURED, signals.payment_captured),
    "refuse_capture": Transition(frozenset({S.AUTHORIZED}), S.AUTHORIZED, signals.payment_capture_failed),
    "void": Transition(_UNCAPTURED, S.VOIDED, signals.payment_voided),
    "refund_part": Transition(_REFUNDABLE, S.PARTIALLY_REFUNDED, signals.payment_refunded),
    "refund": Transition(_REFUNDABLE, S.REFUNDED, signals.payment_refunded),
}


def allowed_actions(status: str) -> list[str]:
    """What can happen next to a payment in `status`."""
    return [action for action, t in TRANSITIONS.items() if status in t.sources]
