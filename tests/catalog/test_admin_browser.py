"""Catalog staff screens in a real browser: a merchandiser creates a product with two variants
and an image, then reprices one variant and adds another. Playwright drives Debian's chromium
(/usr/bin/chromium), as tests/orders/test_admin_browser.py does; the live server runs in a
thread of this process, so it shares the mongomock catalog."""

import io
import re

import pytest
from PIL import Image

from apps.catalog.documents import Product, Variant
from tests.browser import browser_page, log_in
from tests.factories.accounts import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
    pytest.mark.mongodb,
]
PAGES = "/admin/catalog/productadminentry/pages/"


def fill_variant(page, n: int, sku: str, options: str, price: str) -> None:
    page.fill(f"#id_variants-{n}-sku", sku)
    page.fill(f"#id_variants-{n}-options", options)
    page.fill(f"#id_variants-{n}-price", price)
    page.fill(f"#id_variants-{n}-weight_grams", "180")


def test_a_merchandiser_uploads_an_image_and_edits_variants_in_the_browser(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = tmp_path / "front.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(buffer, "PNG")
    image.write_bytes(buffer.getvalue())
    staff = StaffFactory(role="merchandising")

    with browser_page(live_server) as page:
        log_in(page, staff.email)
        page.goto(PAGES + "add/")
        page.fill("#id_slug", "linen-tee")
        page.fill("#id_name", "Linen tee")
        page.fill("#id_category", "clothing")
        page.fill("#id_attributes", "material=linen")
        fill_variant(page, 0, "TEE-S", "size=S", "25.00")
        page.fill("#id_variants-0-on_hand", "4")
        page.set_input_files("#id_image", str(image))
        page.fill("#id_alt", "The tee, front")
        page.click("input[type=submit][value=Save]")
        page.wait_for_url(re.compile(rf"{re.escape(PAGES)}linen-tee/$"))
        created = page.locator("ul.messagelist li.success").all_inner_texts()
        # Second visit: the saved variant plus an empty row; reprice it and add one.
        page.fill("#id_variants-0-price", "23.50")
        fill_variant(page, 1, "TEE-L", "size=L", "27.00")
        page.click("input[type=submit][value=Save]")
        page.wait_for_url(re.compile(rf"{re.escape(PAGES)}linen-tee/$"))
        rows = page.locator("#variants tbody tr.variant-row").count()
        media_rows = page.locator("#media tbody tr").all_inner_texts()

    assert created == ["Saved linen-tee."]
    assert rows == 3  # two variants and the empty row for the next one
    assert "8x6 px" in media_rows[0]
    product = Product.objects.get(slug="linen-tee")
    assert [(m.alt, m.width, m.height) for m in product.media] == [("The tee, front", 8, 6)]
    assert (tmp_path / product.media[0].path).exists()
    assert {
        v.sku: (v.options, v.price_amount, v.on_hand) for v in Variant.objects(product_slug="linen-tee")
    } == {
        "TEE-S": ({"size": "S"}, 2350, 4),
        "TEE-L": ({"size": "L"}, 2700, 0),
    }
