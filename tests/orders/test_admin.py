"""The orders back office through Django's test client (the browser test drives the same pages)."""

import pytest
from django.test import Client

from apps.orders.models import Order
from apps.payments.models import Payment, Refund
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

# Events fan out to every module's handlers, reporting's database included.
pytestmark = pytest.mark.django_db(databases="__all__")
LIST = "/admin/orders/order/"


def _staff(role: str) -> Client:
    client = Client()
    client.force_login(StaffFactory(role=role))
    return client


@pytest.fixture
def order(customer_client) -> Order:
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    ProductFactory(sku="TEA", price_amount=500, on_hand=10)
    place(customer_client, ("MUG", 2), ("TEA", 1))
    return Order.objects.get()


@pytest.mark.parametrize("term", ["number", "customer_email", "TEA"], ids=["by number", "by email", "by sku"])
def test_support_finds_an_order_by_number_email_or_sku(order, term):
    ProductFactory(sku="OTHER")
    query = getattr(order, term, term)

    response = _staff("support").get(LIST, {"q": query})

    assert response.status_code == 200
    assert [o.pk for o in response.context["cl"].result_list] == [order.pk]


@pytest.mark.parametrize(
    "as_read",
    [
        lambda number: number.lower().replace("-", ""),
        lambda number: number.replace("0", "O").replace("1", "l"),
        lambda number: number[5:],  # without the year-month
        lambda number: number[5:].replace("-", " ").lower(),
    ],
    ids=["lower case, no dashes", "O for 0, l for 1", "without year-month", "tail with a space"],
)
def test_support_finds_an_order_by_its_number_as_a_customer_reads_it_out(order, as_read):
    Order.objects.filter(pk=order.pk).update(number="2612-E7P0-H1HX")

    response = _staff("support").get(LIST, {"q": as_read("2612-E7P0-H1HX")})

    assert [o.pk for o in response.context["cl"].result_list] == [order.pk]


def test_the_list_filters_by_status_and_payment_status(order):
    drain_outbox()  # captured: the order is paid

    paid = _staff("support").get(LIST, {"status__exact": "paid", "payment_status__exact": "captured"})
    placed = _staff("support").get(LIST, {"status__exact": "placed"})

    assert [o.pk for o in paid.context["cl"].result_list] == [order.pk]
    assert list(placed.context["cl"].result_list) == []


def test_the_order_page_shows_lines_payment_history_and_events(order):
    drain_outbox()

    page = _staff("support").get(f"{LIST}{order.pk}/change/").content.decode()

    assert order.number in page
    assert "€12.50" in page and "€25.00" in page  # the MUG line: unit price and total
    assert "captured via sandbox</a> · authorized €30.00 · captured €30.00 · refunded €0.00" in page
    assert "Payment authorized: €30.00" in page and "Captured €30.00" in page  # the timeline
    assert "orders.OrderCreated.v1" not in page  # the outbox rows are for superusers
    assert "Ada Lovelace<br>12 Analytical Row<br>N1 9GU London<br>GB" in page


@pytest.mark.parametrize("role", ["support", "fulfilment", "finance"])
def test_a_guest_order_page_opens_for_every_role_and_says_guest(order, role):
    Order.objects.filter(pk=order.pk).update(customer_id=None, customer_email="guest@example.com")

    response = _staff(role).get(f"{LIST}{order.pk}/change/")

    assert response.status_code == 200
    assert "guest (no account)" in response.content.decode()


def test_fulfilment_ships_from_the_admin_with_a_confirmation_page(order):
    client = _staff("fulfilment")
    form = client.get(f"{LIST}{order.pk}/ship/")

    done = client.post(
        f"{LIST}{order.pk}/ship/", {"carrier": "DHL", "tracking_number": "JD0001"}, follow=True
    )

    assert form.status_code == 200 and b"Ship order" in form.content
    assert done.redirect_chain[-1][0] == f"{LIST}{order.pk}/change/"
    assert f"Order {order.number} shipped." in [str(m) for m in done.context["messages"]]
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "JD0001")


def test_an_illegal_admin_action_is_an_error_message_not_a_crash(order):
    client = _staff("support")
    client.post(f"{LIST}{order.pk}/cancel/", {"reason": "fraud"})

    again = client.post(f"{LIST}{order.pk}/cancel/", {"reason": "fraud"}, follow=True)

    assert f"Order {order.number} was not cancelled: An order that is cancelled cannot be cancelled." in [
        str(m) for m in again.context["messages"]
    ]


def test_finance_refunds_part_of_an_order_once_even_if_the_form_is_sent_twice(order):
    drain_outbox()
    client = _staff("finance")
    token = client.get(f"{LIST}{order.pk}/refund/").context["form_token"]

    for _ in range(2):
        client.post(
            f"{LIST}{order.pk}/refund/", {"amount": "5.00", "reason": "scratched", "form_token": token}
        )

    payment = Payment.objects.get()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 500)
    assert Refund.objects.get().created_by.startswith("staff")


def test_a_refund_above_what_is_left_is_a_form_error(order):
    drain_outbox()

    response = _staff("finance").post(
        f"{LIST}{order.pk}/refund/", {"amount": "30.01", "reason": "x", "form_token": "t"}
    )

    assert response.status_code == 200
    assert "can be refunded" in str(response.context["form"].errors["amount"])
    assert Refund.objects.count() == 0


def test_support_gets_no_refund_action_and_cannot_reach_it(order):
    drain_outbox()
    client = _staff("support")

    page = client.get(f"{LIST}{order.pk}/change/")
    direct = client.post(f"{LIST}{order.pk}/refund/", {"amount": "5.00", "reason": "x", "form_token": "t"})

    assert [label for label, _ in page.context["order_actions"]] == ["Cancel"]
    assert direct.status_code == 403
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(("role", "actions"), [("fulfilment", ["Ship"]), ("finance", ["Refund"])])
def test_each_role_sees_its_own_actions(order, role, actions):
    drain_outbox()

    page = _staff(role).get(f"{LIST}{order.pk}/change/")

    assert [label for label, _ in page.context["order_actions"]] == actions


def test_finance_captures_a_payment_from_the_payments_admin(settings, order):
    client = _staff("finance")
    payment = Payment.objects.get()
    confirm = client.get(f"/admin/payments/payment/{payment.pk}/capture/")

    client.post(
        f"/admin/payments/payment/{payment.pk}/capture/", {"form_token": confirm.context["form_token"]}
    )

    payment.refresh_from_db()
    assert payment.status == "captured"
    assert _staff("support").get(f"/admin/payments/payment/{payment.pk}/capture/").status_code == 403


def test_fulfilment_marks_a_shipped_order_delivered(order):
    client = _staff("fulfilment")
    client.post(f"{LIST}{order.pk}/ship/", {"carrier": "DHL", "tracking_number": "JD0001"})
    offered = [label for label, _ in client.get(f"{LIST}{order.pk}/change/").context["order_actions"]]

    client.post(f"{LIST}{order.pk}/deliver/")

    assert offered == ["Mark delivered"]
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.status_changes.last().from_status == "shipped"
