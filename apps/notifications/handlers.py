"""Reactions to other modules' events: each becomes deliveries (email, SMS, webhooks)."""

from apps.events.public import subscribe
from apps.notifications import services

ORDER_EVENTS = [
    f"orders.{name}.v1"
    for name in (
        "OrderCreated",
        "OrderPaid",
        "OrderShipped",
        "OrderDelivered",
        "OrderCancelled",
        "OrderRefunded",
    )
]
PAYMENT_EVENTS = [
    f"payments.{name}.v1"
    for name in (
        "PaymentAuthorized",
        "PaymentCaptured",
        "PaymentRefunded",
        "PaymentFailed",
        "PaymentCaptureFailed",
        "PaymentVoided",
    )
]

# Account emails (verify, welcome, reset); accounts.CustomerDeleted.v1 has a handler of its own.
ACCOUNT_EVENTS = [
    f"accounts.{name}.v1"
    for name in (
        "CustomerRegistered",
        "CustomerEmailVerified",
        "CustomerEmailChangeRequested",
        "CustomerPasswordResetRequested",
    )
]


def notify(envelope: dict) -> None:
    """Fan the event out into deliveries. Runs in the backbone's inbox transaction: the rows commit
    with the inbox entry, and a failure here (accounts or orders unreachable, a payment's order
    not projected yet) is retried and dead-lettered by the backbone; failures of the sends
    themselves are the deliveries' own."""
    services.deliveries_fan_out(envelope=envelope)


for _event_type in ORDER_EVENTS + PAYMENT_EVENTS + ACCOUNT_EVENTS:
    notify = subscribe(_event_type)(notify)


def remember_order(envelope: dict) -> None:
    """Keep the order's number and customer (OrderFacts), for the payment events naming only it."""
    services.order_facts_record(envelope=envelope)


for _event_type in ORDER_EVENTS:
    remember_order = subscribe(_event_type)(remember_order)


@subscribe("accounts.CustomerDeleted.v1")
def forget_customer(envelope: dict) -> None:
    """Erase a deleted customer's address and phone from the record of what was sent to them, and
    detach them from the orders notifications knows of."""
    customer_id = envelope["data"]["customer_id"]
    services.deliveries_erase_customer(customer_id=customer_id)
    services.order_facts_erase_customer(customer_id=customer_id)
