"""The back office through Django's test client: home numbers per role and their links, the order
timeline, failed captures, admin history, money formatting, roles and the 403 page."""

import re
import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from apps.accounts.addresses import address_create
from apps.notifications.models import Delivery
from apps.orders.models import OrderNote
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from apps.reporting.models import DailySales
from tests.backoffice.conftest import ORDERS, staff
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def _history(obj) -> list[str]:
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("action_time")
    return [e.get_change_message() for e in entries]


def _tiles(html: str) -> dict[str, tuple[str, str]]:
    """{tile slug: (number, link)} from the home page."""
    found = re.findall(r'<a class="number" href="([^"]+)" data-tile="([^"]+)">(\d+)</a>', html)
    return {slug: (number, href.replace("&amp;", "&")) for href, slug, number in found}


def test_finance_home_shows_sales_net_of_refunds_and_voids_and_links_to_the_list(shop):
    client = staff("finance")

    home = client.get("/admin/").content.decode()

    # 25.00 captured - 5.00 refunded; the refused capture (12.50) is gross, not net
    assert "Sales (net of refunds and voids)" in home
    today = re.search(r'href="(/admin/reporting/dailysales/\?day__gte=[^"]+)">€20.00</a>', home)
    assert today is not None
    listed = client.get(today.group(1).replace("&amp;", "&"))
    assert listed.status_code == 200
    rows = listed.context["cl"].result_list
    assert (
        sum(r.net_amount for r in rows)
        == 2000
        == sum(p.amount_captured - p.amount_refunded for p in Payment.objects.all())
    )
    assert "<svg" in home and "Net per day, last 30 days (EUR" in home
    assert _tiles(home)["capture-failed"][0] == "1"


def test_a_home_number_links_to_the_list_it_counts(shop):
    client = staff("support")
    tiles = _tiles(client.get("/admin/").content.decode())

    number, link = tiles["capture-failed"]
    listed = client.get(link)

    assert [o.number for o in listed.context["cl"].result_list] == [shop["failed"].number]
    assert number == "1"
    assert tiles["orders-to-fulfil"][0] == "1"  # the paid one
    assert 'id="dashboard-sales"' not in client.get("/admin/").content.decode()  # support reads no reporting


def test_operations_home_counts_dead_letters_and_endpoints_and_may_open_them(shop):
    client = staff("operations")

    tiles = _tiles(client.get("/admin/").content.decode())

    assert {"dead-letters-waiting", "failing-webhook-endpoints", "dead-deliveries"} <= set(tiles)
    assert "orders-to-fulfil" not in tiles
    for _number, link in tiles.values():
        assert client.get(link).status_code == 200
    assert client.get("/admin/orders/order/").status_code == 403


def test_the_order_timeline_shows_the_partial_refund_the_notifications_and_a_note(shop):
    order = shop["refunded"]
    client = staff("support")

    client.post(f"{ORDERS}{order.pk}/note/", {"text": "Customer called about the chipped mug."})
    page = client.get(f"{ORDERS}{order.pk}/change/").content.decode()

    timeline = page[page.index('<table class="timeline">') :]
    events = [
        "Payment authorized: €25.00",  # the payment row is written just before the order's
        "new → placed",
        "Captured €25.00",
        "placed → paid",
        "Refunded €5.00 (partial, €5.00 so far)",
        "Note by staff",
    ]
    positions = [timeline.index(e) for e in events]
    assert positions == sorted(positions)  # in time order
    assert "a chipped mug" in timeline
    assert re.search(r"email OrderCreated to \S+@\S+</td><td>pending", timeline)
    assert "+44 20 7946 0000" in page  # the shipping phone
    assert OrderNote.objects.get().text == "Customer called about the chipped mug."
    assert _history(order) == ["Note added: Customer called about the chipped mug."]


def test_a_failed_capture_is_a_problem_on_the_order_and_finance_retries_it(shop, monkeypatch):
    order = shop["failed"]
    finance = staff("finance")
    page = finance.get(f"{ORDERS}{order.pk}/change/").content.decode()
    assert '<tr class="timeline-problem">' in page and "Capture failed: €12.50 not taken" in page
    assert f'href="{ORDERS}{order.pk}/capture/">Retry capture</a>' in page
    assert "Retry capture" not in staff("support").get(f"{ORDERS}{order.pk}/change/").content.decode()

    refused = finance.post(f"{ORDERS}{order.pk}/capture/", {"form_token": uuid.uuid4()}, follow=True)
    # The provider now accepts (the customer's bank said yes): the same page captures.
    monkeypatch.setattr(SandboxProvider, "capture", lambda self, **kwargs: None)
    captured = finance.post(f"{ORDERS}{order.pk}/capture/", {"form_token": uuid.uuid4()}, follow=True)

    assert next(str(m) for m in refused.context["messages"]).startswith(
        f"Order {order.number} was not captured"
    )
    assert f"Order {order.number} captured (€12.50)." in [str(m) for m in captured.context["messages"]]
    assert Payment.objects.get(pk=order.payment_id).status == "captured"
    assert _history(order) == ["Capture retried: €12.50 captured."]


def test_every_admin_action_is_in_the_admin_history(shop):
    order = shop["refunded"]
    finance, fulfilment = staff("finance"), staff("fulfilment")

    refund = finance.post(
        f"{ORDERS}{order.pk}/refund/",
        {"amount": "2.50", "reason": "late", "form_token": uuid.uuid4()},
        follow=True,
    )
    fulfilment.post(f"{ORDERS}{order.pk}/ship/", {"carrier": "DHL", "tracking_number": "JD1"})
    other = shop["failed"]
    staff("support").post(f"{ORDERS}{other.pk}/cancel/", {"reason": "customer asked"})

    assert [str(m) for m in refund.context["messages"]] == [
        f"Order {order.number} refunded €2.50 (partial refund: €7.50 of €25.00 refunded so far)."
    ]
    assert _history(order) == [
        "Refunded €2.50 (partial refund: €7.50 of €25.00 refunded so far): late",
        "Shipped with DHL JD1.",
    ]
    assert _history(other) == ["Cancelled: customer asked"]
    history_page = staff("support").get(f"{ORDERS}{order.pk}/history/").content.decode()
    assert "Shipped with DHL JD1." in history_page  # the admin's own History page


def test_finance_reads_reporting_and_others_get_the_styled_403_with_a_way_back(shop):
    assert staff("finance").get("/admin/reporting/dailysales/").status_code == 200

    forbidden = staff("fulfilment").get("/admin/reporting/dailysales/")

    assert forbidden.status_code == 403
    body = forbidden.content.decode()
    assert (
        "Commerce back office" in body and 'href="/admin/"' in body and "Back to the back office home" in body
    )


def test_view_site_goes_to_the_api_docs_not_a_debug_404(client, settings):
    settings.DEBUG = True
    home = staff("support").get("/admin/").content.decode()

    assert 'href="/api/docs/"' in home
    assert client.get("/api/docs/").status_code == 200


def test_payments_show_money_in_major_units_and_link_their_order_by_number(shop):
    order = shop["refunded"]
    finance = staff("finance")

    listing = finance.get("/admin/payments/payment/").content.decode()
    detail = finance.get(f"/admin/payments/payment/{order.payment_id}/change/").content.decode()

    link = f'<a href="{ORDERS}{order.pk}/change/">{order.number}</a>'
    assert link in listing and link in detail
    assert "€25.00" in listing and "€5.00" in detail
    assert "idempotency" not in detail.lower() and "field-version" not in detail
    assert (
        "field-idempotency_key"
        in staff(is_superuser=True)
        .get(f"/admin/payments/payment/{order.payment_id}/change/")
        .content.decode()
    )


def test_a_delivery_shows_its_email_rendered_and_its_envelope_pretty_printed(shop):
    delivery = Delivery.objects.filter(channel="email", template="order_placed").first()

    page = staff("operations").get(f"/admin/notifications/delivery/{delivery.pk}/change/").content.decode()

    assert '<span class="email-subject">' in page and "<iframe" in page and 'sandbox=""' in page
    assert shop["refunded"].number in page or shop["failed"].number in page
    assert '<pre class="envelope">{\n  &quot;' in page  # indented, one key per line
    assert "field-lease_until" not in page


def test_webhook_event_types_are_chosen_from_the_known_list():
    page = staff("operations").get("/admin/notifications/webhookendpoint/add/").content.decode()

    assert 'value="payments.PaymentCaptureFailed.v1"' in page and 'value="orders.*"' in page
    assert 'type="checkbox"' in page


def test_daily_sales_admin_shows_money_with_currency(shop):
    page = staff("finance").get("/admin/reporting/dailysales/").content.decode()

    assert DailySales.objects.exists()
    assert "€20.00" in page  # net of the paid row


def test_customers_list_counts_orders_and_spend_and_the_customer_page_lists_orders(shop, customer):
    client = staff("support")
    staff_member = staff("finance")  # noqa: F841 - a staff account that must not be listed

    listing = client.get("/admin/customers/")
    page = client.get(f"/admin/customers/{customer.pk}/").content.decode()

    [row] = listing.context["rows"]
    assert (row["customer"].email, row["orders"], row["spent"]) == (customer.email, 2, "€37.50")
    assert row["last"] is not None
    assert shop["refunded"].number in page and shop["failed"].number in page
    order_page = client.get(f"{ORDERS}{shop['refunded'].pk}/change/").content.decode()
    assert f'href="/admin/customers/{customer.pk}/"' in order_page
    assert staff("fulfilment").get("/admin/customers/").status_code == 403


def test_the_customer_page_shows_the_address_book_default_first(customer):
    address_create(
        user=customer,
        name="Ada",
        line1="12 Analytical Row",
        city="London",
        postal_code="N1 9GU",
        country="GB",
    )
    address_create(
        user=customer,
        is_default=True,
        name="Ada L.",
        line1="Unter den Linden 1",
        line2="3. OG",
        city="Berlin",
        postal_code="10117",
        country="DE",
        phone="+4930123456",
    )

    response = staff("support").get(f"/admin/customers/{customer.pk}/")
    html = response.content.decode()
    table = html[html.index('id="customer-addresses"') :]

    assert [(s.address.city, s.is_default) for s in response.context["addresses"]] == [
        ("Berlin", True),
        ("London", False),
    ]
    assert "Unter den Linden 1, 3. OG, 10117 Berlin" in table
    assert "12 Analytical Row, N1 9GU London" in table
    assert table.index("Berlin") < table.index("London")
    assert "+4930123456" in table


def test_merchandising_home_counts_the_skus_low_on_stock_it_links_to(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="TEE-S", on_hand=2)
    ProductFactory(sku="TEE-M", on_hand=5)
    ProductFactory(sku="TEE-L", on_hand=6)
    ProductFactory(sku="TEE-XL", on_hand=0, active=False)  # withdrawn from sale: not an alert
    client = staff("merchandising")

    number, link = _tiles(client.get("/admin/").content.decode())["skus-low-on-stock"]
    listed = client.get(link)

    assert number == "2"
    assert sorted(p.sku for p in listed.context["page"]) == ["TEE-M", "TEE-S"]
