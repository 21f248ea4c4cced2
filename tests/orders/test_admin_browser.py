"""The orders back office in a real browser: log in, search, open an order, ship it; roles see only
their own actions. test_admin.py covers the same pages through Django's test client.

Playwright drives Debian's chromium (tests/browser.py; .ci/run installs it); it never downloads
a browser. The live server runs in a thread of this process, so it shares the mongomock catalog.
"""

import re

import pytest
from playwright.sync_api import Page

from apps.orders.models import Order, OrderStatus, OrderStatusChange
from apps.payments.models import Payment, Refund
from tests.browser import browser_page, log_in
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

# live_server needs committed rows; serialized_rollback restores the role groups (data migration
# rows) that an earlier transactional test's flush removed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")

LIST = "/admin/orders/order/"
SCREENSHOT = "/tmp/admin-shipped.png"  # noqa: S108 - a fixed place to look at after a run
HISTORY_COLUMNS = ("from_status", "to_status", "actor", "reason")


def object_tools(page: Page) -> list[str]:
    """The object-tool links as written (the admin's CSS shows them in capitals)."""
    return [text.strip() for text in page.locator(".object-tools a").all_text_contents()]


def path_is(path: str) -> re.Pattern[str]:
    """Matches a page URL whose path is `path`, whatever its query string."""
    return re.compile(rf"^[^?]*{re.escape(path)}(\?|$)")


def status_history(page: Page) -> list[tuple[str, ...]]:
    """The status history inline as displayed: each row's label ("placed → paid"), then its
    from_status, to_status, actor and reason cells."""
    rows = page.locator("#status_changes-group tbody tr.has_original").all()
    cells = ["td.original p", *(f"td.field-{column}" for column in HISTORY_COLUMNS)]
    return [tuple(row.locator(cell).inner_text().strip() for cell in cells) for row in rows]


def test_fulfilment_finds_an_order_and_ships_it_in_the_browser(
    live_server, settings, customer, customer_client
):
    # Given a placed order whose payment is only authorized: shipping captures it
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    ProductFactory(sku="OTHER", price_amount=100, on_hand=10)
    place(customer_client, ("MUG", 2), key="shipped")
    place(customer_client, ("OTHER", 1), key="unrelated")
    order = Order.objects.get(lines__sku="MUG")
    staff = StaffFactory(role="fulfilment")
    number, change_url = order.number, f"{LIST}{order.pk}/change/"

    # When a fulfilment user logs in, searches the number, opens the order and ships it
    with browser_page(live_server) as page:
        log_in(page, staff.email)
        page.goto(LIST)
        page.fill("#searchbar", number)
        page.press("#searchbar", "Enter")
        page.wait_for_url(re.compile(rf"\?q={re.escape(number)}$"))
        found = page.locator("#result_list tbody tr th a").all_inner_texts()
        page.locator("#result_list").get_by_role("link", name=number, exact=True).click()
        page.wait_for_url(path_is(change_url))  # with ?_changelist_filters=...
        tools_before = object_tools(page)
        page.locator(".object-tools").get_by_role("link", name="Ship", exact=True).click()
        page.wait_for_url(path_is(f"{LIST}{order.pk}/ship/"))
        page.fill("#id_carrier", "DHL")
        page.fill("#id_tracking_number", "JD0001")
        page.click("input[type=submit][value=Ship]")
        page.wait_for_url(re.compile(rf"{re.escape(change_url)}$"))
        messages = page.locator("ul.messagelist li.success").all_inner_texts()
        status = page.locator(".field-status .readonly").inner_text()
        shipping = [
            page.locator(f".field-{f} .readonly").inner_text() for f in ("carrier", "tracking_number")
        ]
        history = status_history(page)
        tools_after = object_tools(page)
        page.screenshot(path=SCREENSHOT, full_page=True)

    # Then the page says so: a success message, status shipped, and the audit trail
    assert found == [number]
    assert tools_before == ["Ship", "History"]
    assert messages == [f"Order {number} shipped."]
    assert status == OrderStatus.SHIPPED.label == "Shipped"
    assert shipping == ["DHL", "JD0001"]
    assert history == [
        ("∅ → placed", "-", "placed", f"customer {customer.pk} <{customer.email}>", "placed"),
        ("placed → paid", "placed", "paid", "system", "captured on shipment"),
        ("paid → shipped", "paid", "shipped", f"staff {staff.pk} <{staff.email}>", "DHL JD0001"),
    ]
    assert tools_after == ["Mark delivered", "History"]  # what fulfilment can do next
    # And the database agrees
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "JD0001")
    assert list(
        OrderStatusChange.objects.filter(order=order).values_list(
            "from_status", "to_status", "actor", "reason"
        )
    ) == [
        ("", "placed", f"customer {customer.pk} <{customer.email}>", "placed"),
        ("placed", "paid", "system", "captured on shipment"),
        ("paid", "shipped", f"staff {staff.pk} <{staff.email}>", "DHL JD0001"),
    ]
    payment = Payment.objects.get(pk=order.payment_id)
    assert (payment.status, payment.amount_captured) == ("captured", 2500)


def test_support_sees_cancel_but_no_refund_and_the_refund_page_is_forbidden(
    live_server, settings, customer_client
):
    # Given a paid order (captured), so only the permission keeps Refund away from support
    settings.ORDERS_CAPTURE_POLICY = "immediate"
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    place(customer_client, ("MUG", 2))
    drain_outbox()
    order = Order.objects.get()
    assert (order.status, order.payment_status) == ("paid", "captured")
    staff = StaffFactory(role="support")
    change_url, refund_url = f"{LIST}{order.pk}/change/", f"{LIST}{order.pk}/refund/"

    # When a support user opens the order, then asks for its refund page directly
    with browser_page(live_server) as page:
        log_in(page, staff.email)
        opened = page.goto(change_url)
        tools = object_tools(page)
        refund = page.goto(refund_url)

    # Then Cancel is offered, Refund is not, and the refund page is forbidden
    assert opened is not None and opened.status == 200
    assert tools == ["Cancel", "History"]
    assert refund is not None and refund.status == 403
    payment = Payment.objects.get(pk=order.payment_id)
    assert (payment.status, payment.amount_refunded, Refund.objects.count()) == ("captured", 0, 0)
