"""The back office in a real browser, one test per role: the home page, a number followed to its
list, an order timeline with a partial refund and a failed capture, a staff note, a bulk ship dry
run, and a delivery's email preview (the partial refund's too); finance also reads daily sales with
their split. Screenshots go to var/screenshots/ (not committed).

Playwright drives Debian's chromium (see tests/orders/test_admin_browser.py for the rules: no ORM
inside the browser block)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from apps.notifications.models import Delivery
from apps.orders.models import OrderNote
from config.env import BASE_DIR
from tests.backoffice.conftest import ORDERS
from tests.factories.accounts import StaffFactory
from tests.orders.test_admin_browser import browser_page, log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
SHOTS = BASE_DIR / "var" / "screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def tile(page: Page, slug: str) -> str:
    return page.locator(f'a.number[data-tile="{slug}"]').inner_text()


def test_finance_home_sales_then_failed_captures_then_both_timelines(live_server, shop):
    refunded, failed = shop["refunded"], shop["failed"]
    finance = StaffFactory(role="finance")

    with browser_page(live_server) as page:
        log_in(page, finance.email)
        sales = page.locator("#dashboard-sales").inner_text()
        failed_count = tile(page, "capture-failed")
        shot(page, "finance-1-home")
        page.locator('a.number[data-tile="capture-failed"]').click()
        page.wait_for_url(re.compile(r"attention=capture_failed"))
        listed = page.locator("#result_list tbody th a").all_inner_texts()
        badge = page.locator("#result_list td.field-payment").inner_text()
        shot(page, "finance-2-capture-failed-list")
        page.locator("#result_list").get_by_role("link", name=failed.number, exact=True).click()
        problem = page.locator("tr.timeline-problem").inner_text()
        tools = [t.strip() for t in page.locator(".object-tools a").all_text_contents()]
        shot(page, "finance-3-failed-capture-timeline")
        page.goto(f"{ORDERS}{refunded.pk}/change/")
        timeline = page.locator("table.timeline").inner_text()
        phone = page.locator(".field-phone .readonly").inner_text()
        shot(page, "finance-4-partial-refund-timeline")
        page.set_viewport_size({"width": 1920, "height": 900})  # fourteen columns: the shot shows all
        page.goto("/admin/reporting/dailysales/")
        headers = page.locator("#result_list thead th").all_inner_texts()
        net_column = page.locator("#result_list td.field-net").all_inner_texts()
        goods_column = page.locator("#result_list td.field-goods").all_inner_texts()
        shot(page, "finance-5-daily-sales")

    assert "€20.00" in sales and "Today" in sales  # 25.00 captured - 5.00 refunded
    assert failed_count == "1"
    assert listed == [failed.number] and badge == "capture failed"
    assert "Capture failed: €12.50 not taken" in problem and "capture_failed" in problem
    assert tools[0] == "Retry capture"
    assert "Refunded €5.00 (partial, €5.00 so far)" in timeline and "a chipped mug" in timeline
    assert phone == "+44 20 7946 0000"
    assert [h.strip().lower() for h in headers[-4:]] == ["net sales (goods)", "shipping", "tax", "discounts"]
    # one row per status: paid (25.00 captured - 5.00 refunded) and placed (the refused capture)
    assert sorted(net_column) == ["€0.00", "€20.00"] and sorted(goods_column) == ["€12.50", "€25.00"]


def test_support_follows_orders_to_fulfil_and_adds_a_note(live_server, shop):
    refunded = shop["refunded"]
    support = StaffFactory(role="support")

    with browser_page(live_server) as page:
        log_in(page, support.email)
        has_sales = page.locator("#dashboard-sales").count()
        shot(page, "support-1-home")
        page.locator('a.number[data-tile="orders-to-fulfil"]').click()
        page.wait_for_url(re.compile(r"fulfil=todo"))
        listed = page.locator("#result_list tbody th a").all_inner_texts()
        page.locator("#result_list").get_by_role("link", name=refunded.number, exact=True).click()
        page.fill("#note-form textarea", "Called the customer: replacement mug promised.")
        page.click("#note-form input[type=submit]")
        page.wait_for_url(re.compile(rf"{refunded.pk}/change/$"))
        message = page.locator("ul.messagelist li.success").inner_text()
        note_row = page.locator("table.timeline tr", has_text="Note by").inner_text()
        shot(page, "support-2-order-with-note")

    assert has_sales == 0  # support does not read reporting
    assert listed == [refunded.number]
    assert message == f"Note added to order {refunded.number}."
    assert "replacement mug promised" in note_row
    assert OrderNote.objects.get().order_id == refunded.pk


def test_fulfilment_runs_a_bulk_ship_dry_run(live_server, shop, tmp_path):
    refunded, failed = shop["refunded"], shop["failed"]
    upload = tmp_path / "ship.csv"
    upload.write_text(
        f"order_number,carrier,tracking_number\n{refunded.number},DHL,JD0001\n{failed.number},DHL,JD0002\nNOPE,UPS,1\n"
    )
    fulfilment = StaffFactory(role="fulfilment")

    with browser_page(live_server) as page:
        log_in(page, fulfilment.email)
        to_fulfil = tile(page, "orders-to-fulfil")
        shot(page, "fulfilment-1-home")
        page.locator('a.number[data-tile="orders-to-fulfil"]').click()
        page.wait_for_url(re.compile(r"fulfil=todo"))
        listed = page.locator("#result_list tbody th a").all_inner_texts()
        page.locator(".object-tools").get_by_role("link", name="Ship from CSV").click()
        page.set_input_files("#id_file", str(Path(upload)))
        page.click("input[type=submit][value=Upload]")
        summary = page.locator("#ship-csv-summary").inner_text()
        rows = [r.inner_text().split("\t") for r in page.locator("#ship-csv-results tbody tr").all()]
        shot(page, "fulfilment-2-bulk-ship-dry-run")

    assert (to_fulfil, listed) == ("1", [refunded.number])
    assert summary == "Dry run: 2 of 3 order(s) would ship; nothing was shipped."
    assert [r[1:] for r in rows] == [
        [refunded.number, "would ship with DHL JD0001"],
        [failed.number, "would ship with DHL JD0002 (captures the payment first)"],
        ["NOPE", "no such order"],
    ]
    refunded.refresh_from_db()
    assert refunded.status == "paid"


def test_operations_home_and_a_deliverys_email_preview(live_server, shop):
    delivery = Delivery.objects.filter(channel="email", template="order_placed").order_by("id").first()
    partial = Delivery.objects.get(channel="email", template="order_partially_refunded")
    dead = Delivery.objects.filter(channel="email", template="order_paid").order_by("id").first()
    Delivery.objects.filter(pk=dead.pk).update(status="dead", last_error="SMTP 550 mailbox unavailable")
    operations = StaffFactory(role="operations")

    with browser_page(live_server) as page:
        log_in(page, operations.email)
        tiles = page.locator("#dashboard-tiles").inner_text()
        shot(page, "operations-1-home")
        page.locator('a.number[data-tile="dead-deliveries"]').click()
        page.wait_for_url(re.compile(r"status__exact=dead"))
        dead_rows = page.locator("#result_list tbody tr").count()
        shot(page, "operations-2-dead-deliveries")
        page.goto(f"/admin/notifications/delivery/{delivery.pk}/change/")
        subject = page.locator(".email-subject").inner_text()
        text = page.locator("pre.email-text").inner_text()
        html_frame = page.frame_locator("iframe.email-html").locator("body").inner_text()
        shot(page, "operations-3-email-preview")
        page.goto(f"/admin/notifications/delivery/{partial.pk}/change/")
        partial_subject = page.locator(".email-subject").inner_text()
        partial_text = page.locator("pre.email-text").inner_text()
        shot(page, "operations-4-partial-refund-email")

    assert "Dead letters waiting" in tiles and "Failing webhook endpoints" in tiles
    assert "Orders to fulfil" not in tiles
    assert subject and delivery.envelope["data"]["number"] in text
    assert delivery.envelope["data"]["number"] in html_frame
    assert dead_rows == 1
    assert partial_subject == f"Order {shop['refunded'].number}: 5.00 EUR refunded (partial refund)"
    assert "partial refund: 5.00 EUR of the 25.00 EUR you paid" in partial_text
