"""Reporting learns about orders and payments from their events only.

Writes go to the `reporting` database, outside the backbone's inbox transaction: the projections
are idempotent and order-tolerant by themselves (see projections.py). A reporting outage raises
here, and the backbone retries, then dead-letters; order placement never waits on reporting.
"""

from apps.events.public import subscribe
from apps.reporting import projections


@subscribe("orders.OrderCreated.v1")
@subscribe("orders.OrderPaid.v1")
@subscribe("orders.OrderShipped.v1")
@subscribe("orders.OrderDelivered.v1")
@subscribe("orders.OrderCancelled.v1")
@subscribe("orders.OrderRefunded.v1")
def project_order(envelope: dict) -> None:
    projections.order_event_apply(envelope=envelope)


@subscribe("payments.PaymentAuthorized.v1")
@subscribe("payments.PaymentCaptured.v1")
@subscribe("payments.PaymentRefunded.v1")
@subscribe("payments.PaymentVoided.v1")
@subscribe("payments.PaymentFailed.v1")
@subscribe("payments.PaymentCaptureFailed.v1")
def project_payment(envelope: dict) -> None:
    projections.payment_event_apply(envelope=envelope)
