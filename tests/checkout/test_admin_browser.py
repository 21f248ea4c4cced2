"""The merchandising role in a real browser: set up a shipping zone with a method, a tax rate and
a voucher, then see them listed. test_admin.py covers the same pages through Django's test client.
Debian's chromium, as tests/orders/test_admin_browser.py drives it (no ORM inside the browser block)."""

import re
from decimal import Decimal

import pytest

from apps.checkout.models import ShippingMethod, ShippingZone, TaxRate, Voucher
from tests.browser import browser_page, log_in
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
ADMIN = "/admin/checkout/"
SCREENSHOT = "/tmp/admin-voucher.png"  # noqa: S108 - a fixed place to look at after a run


def saved(page, path: str) -> list[str]:
    page.click("input[type=submit][name=_save]")
    page.wait_for_url(re.compile(rf"{re.escape(path)}$"))
    return page.locator("ul.messagelist li.success").all_inner_texts()


def test_merchandising_sets_up_shipping_taxes_and_a_voucher_in_the_browser(live_server):
    staff = StaffFactory(role="merchandising")

    with browser_page(live_server) as page:
        log_in(page, staff.email)
        index = page.locator("#content-main").inner_text()

        page.goto(f"{ADMIN}shippingzone/add/")
        page.fill("#id_name", "Germany")
        page.fill("#id_countries", "de")
        page.click("#methods-group .add-row a")
        page.fill("#id_methods-0-name", "DHL Paket")
        page.select_option("#id_methods-0-rule", "free_over")
        page.fill("#id_methods-0-price", "4.90")
        page.fill("#id_methods-0-free_over", "50.00")
        page.fill("#id_methods-0-delivery_time", "2-3 working days")
        zone_messages = saved(page, f"{ADMIN}shippingzone/")

        page.goto(f"{ADMIN}taxrate/add/")
        page.fill("#id_country", "DE")
        page.fill("#id_rate", "19")
        rate_messages = saved(page, f"{ADMIN}taxrate/")

        page.goto(f"{ADMIN}voucher/add/")
        page.fill("#id_code", "welcome10")
        page.select_option("#id_kind", "percentage")
        page.fill("#id_percentage", "10")
        page.fill("#id_min_subtotal", "20.00")
        page.fill("#id_usage_limit", "1")
        voucher_messages = saved(page, f"{ADMIN}voucher/")
        voucher_row = page.locator("#result_list tbody tr").first.inner_text()
        page.screenshot(path=SCREENSHOT, full_page=True)

        orders = page.goto("/admin/orders/order/")

    assert "Shipping zones" in index and "Vouchers" in index and "Tax rates" in index
    assert "Orders" not in index  # merchandising does not see orders
    assert len(zone_messages) == len(rate_messages) == len(voucher_messages) == 1
    assert "WELCOME10" in voucher_row and "10.00 %" in voucher_row and "0 / 1" in voucher_row
    assert orders is not None and orders.status == 403
    zone = ShippingZone.objects.get()
    assert zone.countries == ["DE"]
    method = ShippingMethod.objects.get()
    assert (method.zone, method.rule, method.price, method.free_over) == (zone, "free_over", 490, 5000)
    assert TaxRate.objects.values_list("country", "tax_class", "rate").get() == ("DE", "", Decimal("19.00"))
    assert Voucher.objects.values_list(
        "code", "percentage", "min_subtotal", "usage_limit", "used_count"
    ).get() == (
        "WELCOME10",
        Decimal("10.00"),
        2000,
        1,
        0,
    )
