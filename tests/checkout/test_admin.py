"""The checkout back office through Django's test client; the browser test drives the same pages."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.checkout.models import ShippingZone, TaxRate, Voucher
from apps.orders.models import Order
from tests.checkout.helpers import complete, customer_checkout, ready_checkout
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db(databases="__all__")
ADMIN = "/admin/checkout/"


def _staff(role: str) -> Client:
    client = Client()
    client.force_login(StaffFactory(role=role))
    return client


def test_the_merchandising_role_manages_shipping_taxes_and_vouchers_and_reads_checkouts():
    codenames = set(Group.objects.get(name="merchandising").permissions.values_list("codename", flat=True))

    for model in ("shippingzone", "shippingmethod", "shippingweightband", "taxrate", "voucher"):
        assert {f"{action}_{model}" for action in ("add", "change", "delete", "view")} <= codenames
    assert {"view_checkout", "view_voucherredemption"} <= codenames
    assert "change_checkout" not in codenames and "view_order" not in codenames


def test_merchandising_opens_its_screens_but_not_orders():
    client = _staff("merchandising")

    pages = ["shippingzone", "shippingmethod", "taxrate", "voucher", "checkout", "voucherredemption"]
    statuses = {page: client.get(f"{ADMIN}{page}/").status_code for page in pages}

    assert statuses == dict.fromkeys(pages, 200)
    assert client.get("/admin/orders/order/").status_code == 403
    assert _staff("support").get(f"{ADMIN}voucher/").status_code == 403


def test_a_zone_takes_iso_country_codes_and_refuses_others():
    client = _staff("merchandising")
    form = {
        "name": "DACH",
        "countries": "de, at,CH",
        "methods-TOTAL_FORMS": "1",
        "methods-INITIAL_FORMS": "0",
        "methods-0-name": "Post",
        "methods-0-rule": "flat",
        "methods-0-price": "5.90",  # major units, as staff read prices
        "methods-0-delivery_time": "3-5 days",
        "methods-0-active": "on",
        "methods-0-position": "0",
    }

    bad = client.post(f"{ADMIN}shippingzone/add/", form | {"countries": "DE, XX"})
    good = client.post(f"{ADMIN}shippingzone/add/", form)

    assert bad.status_code == 200 and "countries" in bad.context["adminform"].form.errors
    assert good.status_code == 302, good.context["adminform"].form.errors if good.context else good
    zone = ShippingZone.objects.get()
    assert zone.countries == ["AT", "CH", "DE"]
    assert list(zone.methods.values_list("name", "rule", "price")) == [("Post", "flat", 590)]


@pytest.mark.parametrize(
    ("price", "error"),
    [("-1.00", "greater than or equal to 0"), ("5.905", "more decimals than EUR allows")],
    ids=["negative", "below a cent"],
)
def test_a_shipping_price_staff_cannot_charge_is_a_form_error_not_a_database_one(price, error):
    zone = ShippingZone.objects.create(name="DE", countries=["DE"])
    form = {"zone": zone.pk, "name": "Post", "rule": "flat", "price": price, "position": "0", "active": "on"}
    form |= {"weight_bands-TOTAL_FORMS": "0", "weight_bands-INITIAL_FORMS": "0"}

    response = _staff("merchandising").post(f"{ADMIN}shippingmethod/add/", form)

    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors["price"])
    assert not zone.methods.exists()


def test_a_shipping_method_form_shows_its_stored_price_in_major_units():
    zone = ShippingZone.objects.create(name="DE", countries=["DE"])
    method = zone.methods.create(name="Post", rule="free_over", price=490, free_over=5000)

    form = _staff("merchandising").get(f"{ADMIN}shippingmethod/{method.pk}/change/").context["adminform"].form

    assert (form["price"].value(), form["free_over"].value()) == (Decimal("4.90"), Decimal("50.00"))


def test_a_voucher_and_a_tax_rate_are_entered_and_checked():
    client = _staff("merchandising")
    voucher = {
        "code": "summer",
        "kind": "percentage",
        "percentage": "15",
        "min_subtotal": "0",
        "active": "on",
    }

    missing_value = client.post(f"{ADMIN}voucher/add/", voucher | {"percentage": ""})
    created = client.post(f"{ADMIN}voucher/add/", voucher | {"amount": "999", "usage_limit": "100"})
    bad_country = client.post(f"{ADMIN}taxrate/add/", {"country": "ZZ", "tax_class": "", "rate": "19"})
    rate = client.post(f"{ADMIN}taxrate/add/", {"country": "de", "tax_class": "books", "rate": "7"})

    assert "percentage" in missing_value.context["adminform"].form.errors
    assert created.status_code == 302
    assert Voucher.objects.values_list("code", "kind", "percentage", "amount", "usage_limit").get() == (
        "SUMMER",
        "percentage",
        Decimal("15.00"),
        None,
        100,
    )
    assert "country" in bad_country.context["adminform"].form.errors
    assert rate.status_code == 302
    assert TaxRate.objects.values_list("country", "tax_class", "rate").get() == (
        "DE",
        "books",
        Decimal("7.00"),
    )


def test_the_order_page_shows_the_charges_as_placed(shop, customer_client):
    Voucher.objects.create(code="FIVE", kind="fixed", amount=500)
    checkout_id = customer_checkout(customer_client)["id"]
    ready_checkout(customer_client, checkout_id, ("MUG", 2), method_id=shop["dhl"].pk, voucher="FIVE")
    assert complete(customer_client, checkout_id).status_code == 201
    order = Order.objects.get()

    page = _staff("support").get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    # 2 x 11.90 - 5.00 + 4.90 (700 g); tax 18.80 x 19/119 = 3.0017 -> 3.00, shipping 0.7824 -> 0.78
    assert (
        "subtotal 23.80 EUR · discount -5.00 EUR · shipping 4.90 EUR · tax 3.78 EUR (incl. 0.78 EUR on shipping) · total 23.70 EUR"
        in page
    )
    assert "DHL Paket" in page and "FIVE" in page
