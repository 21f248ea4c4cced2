import pytest

from apps.catalog.documents import StockAdjustment, Variant
from apps.events.models import OutboxEvent
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
BASE = "/admin/catalog/productadminentry/"


def test_the_product_list_searches_filters_and_pages(admin_client):
    for n in range(55):
        ProductFactory(sku=f"MUG-{n:02d}", name=f"Mug {n}", category="kitchen")
    ProductFactory(sku="BOOK-1", name="Refactoring", category="books")

    first = admin_client.get(BASE)
    searched = admin_client.get(BASE, {"q": "refact"})
    filtered = admin_client.get(BASE, {"category": "kitchen", "page": 2})

    assert first.status_code == 200
    assert first.context["page"].paginator.count == 56
    assert [p.sku for p in searched.context["page"]] == ["BOOK-1"]
    assert [p.sku for p in filtered.context["page"]] == [f"MUG-{n}" for n in range(50, 55)]


def test_the_product_list_shows_prices_in_major_units_like_the_form(admin_client):
    ProductFactory(sku="PAN-1", price_amount=3900, currency="EUR")

    page = admin_client.get(BASE).content.decode()

    assert "€39.00" in page and "3900" not in page


def test_staff_create_a_product_with_validation(admin_client):
    bad = admin_client.post(
        BASE + "add/",
        {"sku": "NEW-1", "name": "Pan", "category": "kitchen", "currency": "EUR", "price": "-1"},
    )
    too_precise = admin_client.post(
        BASE + "add/",
        {"sku": "NEW-1", "name": "Pan", "category": "kitchen", "currency": "EUR", "price": "1.234"},
    )
    good = admin_client.post(
        BASE + "add/",
        {
            "sku": "NEW-1",
            "name": "Pan",
            "category": "kitchen",
            "currency": "EUR",
            "price": "49.90",
            "active": "on",
        },
    )

    assert bad.context["form"].errors == {"price": ["Ensure this value is greater than or equal to 0."]}
    assert "more decimals than EUR allows" in too_precise.context["form"].errors["price"][0]
    assert good.status_code == 302
    product = Variant.objects.get(sku="NEW-1")
    assert (product.price_amount, product.on_hand, product.available, product.active) == (4990, 0, 0, True)


def test_a_price_edit_is_saved_and_announced(admin_client):
    ProductFactory(sku="P-1", name="Pan", category="kitchen", price_amount=4990)

    response = admin_client.post(
        BASE + "P-1/change/",
        {"name": "Pan", "category": "kitchen", "currency": "EUR", "price": "39.90", "active": "on"},
    )

    assert response.status_code == 302
    assert Variant.objects.get(sku="P-1").price_amount == 3990
    (event,) = OutboxEvent.objects.filter(type="catalog.ProductPriceChanged.v1")
    assert event.envelope["data"] == {
        "sku": "P-1",
        "old_price": {"amount": 4990, "currency": "EUR"},
        "new_price": {"amount": 3990, "currency": "EUR"},
    }


def test_stock_adjustments_are_audited_and_never_touch_reserved_units(admin_client, admin_user):
    ProductFactory(sku="P-1", on_hand=10, reserved=8)

    added = admin_client.post(BASE + "P-1/stock/", {"delta": "5", "reason": "Delivery from supplier"})
    refused = admin_client.post(BASE + "P-1/stock/", {"delta": "-8", "reason": "Shelf count"})
    no_reason = admin_client.post(BASE + "P-1/stock/", {"delta": "-1", "reason": ""})

    assert added.status_code == 302
    assert refused.context["form"].errors == {
        "delta": ["Only 7 units are available to remove (the rest are reserved)."]
    }
    assert no_reason.context["form"].errors == {"reason": ["This field is required."]}
    product = Variant.objects.get(sku="P-1")
    assert (product.on_hand, product.reserved, product.available) == (15, 8, 7)
    (audit,) = StockAdjustment.objects(sku="P-1")
    assert (audit.delta, audit.reason, audit.actor_email, audit.on_hand_after) == (
        5,
        "Delivery from supplier",
        admin_user.email,
        15,
    )


@pytest.mark.parametrize("role", ["support", "fulfilment"])
def test_support_and_fulfilment_read_the_catalog_but_cannot_change_it(client, role):
    client.force_login(StaffFactory(role=role))
    ProductFactory(sku="P-1")

    assert client.get(BASE).status_code == 200
    assert client.get(BASE + "P-1/change/").status_code == 200
    assert client.post(BASE + "P-1/stock/", {"delta": "5", "reason": "x"}).status_code == 403
    assert client.post(BASE + "P-1/change/", {"name": "Wok"}).status_code == 403
    assert client.get(BASE + "add/").status_code == 403
    assert Variant.objects.get(sku="P-1").on_hand == 10


def test_saving_over_someone_elses_newer_edit_is_refused(admin_client):
    ProductFactory(sku="P-1", name="Pan", category="kitchen", price_amount=4990)
    opened = admin_client.get(BASE + "P-1/change/").context["form"].initial["edit_version"]
    form = {"name": "Pan", "category": "kitchen", "currency": "EUR", "active": "on", "edit_version": opened}
    admin_client.post(BASE + "P-1/change/", {**form, "price": "39.90"})

    stale = admin_client.post(BASE + "P-1/change/", {**form, "name": "Wok", "price": "1.00"})

    assert "Someone else saved this product" in stale.context["form"].non_field_errors()[0]
    product = Variant.objects.get(sku="P-1")
    assert (product.name, product.price_amount) == ("Pan", 3990)
