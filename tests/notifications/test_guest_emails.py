"""A guest (no account, a checkout token) gets the same order emails as a customer, at the address
given at checkout, sent to a real SMTP server. The address is asked of orders at each send: it is
in no event and in no delivery row, and once orders has erased it nothing more is sent."""

import pytest

from apps.events.models import OutboxEvent
from apps.notifications.models import Delivery, DeliveryStatus
from apps.notifications.public import deliveries_about_order
from apps.notifications.services import deliveries_sweep
from apps.orders.models import Order
from apps.orders.services import orders_claim_guest
from tests.checkout.conftest import product_extras, shop  # noqa: F401 (fixtures)
from tests.checkout.helpers import complete, guest_checkout, ready_checkout
from tests.factories.accounts import UserFactory
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due
from tests.smtp import smtp_inbox  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(databases="__all__")
GUEST = "ada@example.com"


def guest_order(shop, key: str = "complete-1") -> Order:  # noqa: F811
    """A guest's checkout of one mug (11.90 EUR) sent by DHL (4.90 EUR), completed."""
    client, created = guest_checkout(GUEST)
    ready_checkout(client, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    response = complete(client, created["id"], key=key)
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["order"]["id"])


def test_a_guest_checkout_gets_its_confirmation_email_at_the_checkout_address(shop, smtp_inbox):  # noqa: F811
    order = guest_order(shop)

    drain_outbox()
    sent = attempt_due()

    assert [outcome for _, _, outcome in sent] == ["succeeded", "succeeded"]
    assert smtp_inbox.sent() == [
        (GUEST, f"Order {order.number} received"),
        (GUEST, f"Payment received for order {order.number}"),
    ]
    placed = smtp_inbox.messages[0].get_body(("plain",)).get_content().splitlines()
    assert "1 \N{MULTIPLICATION SIGN} Blue mug (MUG): 11.90 EUR" in placed
    assert "Total: 16.80 EUR" in placed
    # The address stays with orders: not in the events (webhook receivers get them as they are),
    # not in notifications' records.
    assert all(
        GUEST not in str(envelope) for envelope in OutboxEvent.objects.values_list("envelope", flat=True)
    )
    assert not Delivery.objects.filter(recipient__icontains=GUEST).exists()
    # The order's timeline in the back office says who, without the address.
    shown = {(r.channel, r.recipient, r.status) for r in deliveries_about_order(order_id=str(order.pk))}
    assert shown == {("email", "the guest's checkout address", "succeeded")}


def test_a_guest_hears_of_shipment_refunds_and_cancellation(shop, smtp_inbox, staff_client):  # noqa: F811
    shipped = guest_order(shop, key="complete-ship")
    drain_outbox()
    attempt_due()
    smtp_inbox.messages.clear()

    ship = staff_client("fulfilment").post(
        f"/api/v1/orders/{shipped.pk}/ship",
        {"carrier": "DHL", "tracking_number": "JD0001"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert ship.status_code == 200, ship.json()
    finance = staff_client("finance")
    for key, amount in (("refund-part", 500), ("refund-rest", 1180)):
        refund = finance.post(
            f"/api/v1/payments/{shipped.payment_id}/refunds",
            {"amount": amount},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert refund.status_code == 201, refund.json()
    drain_outbox()
    attempt_due()
    cancelled = guest_order(shop, key="complete-cancel")
    cancel = staff_client("support").post(
        f"/api/v1/orders/{cancelled.pk}/cancel",
        {"reason": "out of stock"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c-1",
    )
    assert cancel.status_code == 200, cancel.json()
    drain_outbox()
    attempt_due()

    number, other = shipped.number, cancelled.number
    assert smtp_inbox.sent() == [
        (GUEST, f"Order {number} has shipped"),
        (GUEST, f"Order {number}: 5.00 EUR refunded (partial refund)"),
        (GUEST, f"Order {number} refunded"),
        (GUEST, f"Order {other} received"),
        (GUEST, f"Order {other} cancelled"),
    ]
    assert "Reason: out of stock" in smtp_inbox.messages[-1].get_body(("plain",)).get_content()


def test_nothing_is_sent_once_orders_has_erased_the_guests_address(shop, smtp_inbox):  # noqa: F811
    order = guest_order(shop)
    drain_outbox()
    # Erased as orders erases contact details (orders_erase_customer): the email blanked.
    Order.objects.filter(pk=order.pk).update(customer_email="")

    sent = attempt_due()

    assert [outcome for _, _, outcome in sent] == ["suppressed", "suppressed"]
    assert smtp_inbox.sent() == []
    reasons = set(Delivery.objects.values_list("status", "last_error"))
    assert reasons == {(DeliveryStatus.SUPPRESSED, "not sent: orders has no address for this guest (erased)")}
    # Final: no retry comes round, the sweep finds nothing to do.
    assert attempt_due() == []
    assert deliveries_sweep() == 0
    assert smtp_inbox.sent() == []


def test_a_guest_order_claimed_before_its_email_went_is_sent_to_the_account(shop, smtp_inbox):  # noqa: F811
    order = guest_order(shop)
    drain_outbox()  # the guest's deliveries are recorded...
    # ...and the guest signs up and verifies the address before they are sent (orders' handler).
    account = UserFactory(email="ada@example.com")
    assert orders_claim_guest(customer_id=account.pk, email=account.email) == 1

    sent = attempt_due()

    # orders now gives no guest address (the account has the current one): accounts is asked.
    assert [outcome for _, _, outcome in sent] == ["succeeded", "succeeded"]
    assert smtp_inbox.sent() == [
        (account.email, f"Order {order.number} received"),
        (account.email, f"Payment received for order {order.number}"),
    ]
