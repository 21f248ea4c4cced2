"""Bad input is problem+json naming the field, and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.contracts import StockLine
from apps.catalog.public import stock_reserve
from apps.checkout.models import Checkout, CheckoutLine, Voucher, VoucherUse
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.checkout.conftest import ADDRESS
from tests.checkout.helpers import BASE, complete, customer_checkout, guest_checkout, ready_checkout
from tests.factories.accounts import UserFactory, token_client
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def errors(response) -> list[tuple[str, str]]:
    assert response["Content-Type"] == "application/problem+json", response.content
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture
def checkout(customer_client) -> str:
    return customer_checkout(customer_client)["id"]


def add(client, checkout_id, sku, quantity):
    return client.post(f"{BASE}/{checkout_id}/lines", {"sku": sku, "quantity": quantity}, format="json")


def test_unknown_sku_bad_quantities_and_another_currency_name_the_field(
    shop, checkout, customer_client, settings
):
    ProductFactory(sku="USD-ONLY", currency="USD")

    unknown = add(customer_client, checkout, "NOPE", 1)
    zero = add(customer_client, checkout, "MUG", 0)
    too_many = add(customer_client, checkout, "MUG", settings.CHECKOUT_MAX_QUANTITY_PER_LINE + 1)
    dollars = add(customer_client, checkout, "USD-ONLY", 1)
    add(customer_client, checkout, "MUG", settings.CHECKOUT_MAX_QUANTITY_PER_LINE)
    over_by_adding = add(customer_client, checkout, "MUG", 1)
    set_zero = customer_client.patch(f"{BASE}/{checkout}/lines/MUG", {"quantity": 0}, format="json")
    missing_line = customer_client.patch(f"{BASE}/{checkout}/lines/BOOK", {"quantity": 1}, format="json")

    assert (unknown.status_code, errors(unknown)) == (400, [("#/sku", "unknown_sku")])
    assert (zero.status_code, errors(zero)) == (400, [("#/quantity", "min_value")])
    assert (too_many.status_code, errors(too_many)) == (400, [("#/quantity", "max_value")])
    assert (dollars.status_code, errors(dollars)) == (400, [("#/sku", "currency_mismatch")])
    assert (over_by_adding.status_code, errors(over_by_adding)) == (400, [("#/quantity", "max_value")])
    assert (set_zero.status_code, errors(set_zero)) == (400, [("#/quantity", "min_value")])
    assert missing_line.status_code == 404
    assert list(CheckoutLine.objects.values_list("sku", "quantity")) == [
        ("MUG", settings.CHECKOUT_MAX_QUANTITY_PER_LINE)
    ]


def test_a_checkout_holds_at_most_the_documented_number_of_lines(shop, checkout, customer_client, settings):
    settings.CHECKOUT_MAX_LINES = 2
    ProductFactory(sku="THIRD")
    add(customer_client, checkout, "MUG", 1)
    add(customer_client, checkout, "BOOK", 1)

    third = add(customer_client, checkout, "THIRD", 1)

    assert (third.status_code, errors(third)) == (400, [("#/sku", "too_many_lines")])
    assert CheckoutLine.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        ({"country": "XX"}, "#/shipping_address/country", "invalid"),
        ({"country": "Germany"}, "#/shipping_address/country", "invalid"),
        ({"postal_code": ""}, "#/shipping_address/postal_code", "required"),
        ({"postal_code": "1011"}, "#/shipping_address/postal_code", "invalid"),
        ({"country": "GB", "postal_code": "10117"}, "#/shipping_address/postal_code", "invalid"),
    ],
)
def test_a_malformed_address_names_its_field(shop, checkout, customer_client, change, pointer, code):
    response = customer_client.patch(
        f"{BASE}/{checkout}", {"shipping_address": ADDRESS | change}, format="json"
    )

    assert (response.status_code, errors(response)) == (400, [(pointer, code)])
    assert Checkout.objects.get().shipping_address is None


def test_countries_without_postal_codes_need_none_and_codes_are_normalized(checkout, customer_client):
    irish = customer_client.patch(
        f"{BASE}/{checkout}",
        {"shipping_address": ADDRESS | {"country": "ie", "postal_code": ""}},
        format="json",
    )
    british = customer_client.patch(
        f"{BASE}/{checkout}",
        {"billing_address": ADDRESS | {"country": "GB", "postal_code": "n1 9gu"}},
        format="json",
    )

    assert irish.status_code == 200, irish.json()
    assert irish.json()["shipping_address"]["country"] == "IE"
    assert british.json()["billing_address"]["postal_code"] == "N1 9GU"


def test_a_shipping_method_that_does_not_apply_is_refused_and_no_method_is_a_problem(
    shop, checkout, customer_client
):
    add(customer_client, checkout, "MUG", 1)
    no_address = customer_client.put(
        f"{BASE}/{checkout}/shipping-method", {"id": shop["dhl"].pk}, format="json"
    )
    french = customer_client.patch(
        f"{BASE}/{checkout}",
        {"shipping_address": ADDRESS | {"country": "FR", "postal_code": "75001"}},
        format="json",
    )

    assert (no_address.status_code, errors(no_address)) == (400, [("#/id", "shipping_method_unavailable")])
    assert [p["code"] for p in french.json()["problems"]] == ["no_shipping_method"]
    assert french.json()["problems"][0]["pointer"] == "#/shipping_address/country"
    assert french.json()["ready"] is False
    assert customer_client.get(f"{BASE}/{checkout}/shipping-methods").json() == []


def test_too_heavy_for_every_weight_band_leaves_only_the_flat_method(
    shop, checkout, customer_client, product_extras
):
    product_extras["BOOK"] = (2600, "books")
    add(customer_client, checkout, "BOOK", 2)  # 5.2 kg: above DHL's 5 kg band
    customer_client.patch(f"{BASE}/{checkout}", {"shipping_address": ADDRESS}, format="json")

    methods = customer_client.get(f"{BASE}/{checkout}/shipping-methods").json()

    assert [m["name"] for m in methods] == ["Express"]


@pytest.mark.parametrize(
    ("voucher", "reason"),
    [
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not_started"),
        ({"usage_limit": 3, "used_count": 3}, "used_up"),
        ({"min_subtotal": 100_000}, "below_minimum"),
        ({"active": False}, "unknown"),
    ],
)
def test_vouchers_that_cannot_be_used_are_refused_naming_the_code(
    shop, checkout, customer_client, voucher, reason
):
    Voucher.objects.create(code="SAVE", kind="fixed", amount=500, **voucher)
    add(customer_client, checkout, "MUG", 1)

    response = customer_client.put(f"{BASE}/{checkout}/voucher", {"code": "SAVE"}, format="json")
    unknown = customer_client.put(f"{BASE}/{checkout}/voucher", {"code": "NOSUCH"}, format="json")

    assert (response.status_code, errors(response)) == (400, [("#/code", reason)])
    assert errors(unknown) == [("#/code", "unknown")]
    assert Checkout.objects.get().voucher_code == ""


def test_a_customer_who_used_their_share_of_a_voucher_is_refused(shop, checkout, customer, customer_client):
    voucher = Voucher.objects.create(code="ONEEACH", kind="fixed", amount=500, per_customer_limit=1)
    VoucherUse.objects.create(voucher=voucher, customer_key=f"account:{customer.pk}", uses=1)
    add(customer_client, checkout, "MUG", 1)

    response = customer_client.put(f"{BASE}/{checkout}/voucher", {"code": "oneeach"}, format="json")

    assert errors(response) == [("#/code", "used_up_by_customer")]


def test_a_voucher_that_expired_after_it_was_applied_is_a_problem_and_blocks_completion(
    shop, checkout, customer_client
):
    voucher = Voucher.objects.create(code="SOON", kind="fixed", amount=500)
    ready_checkout(customer_client, checkout, ("MUG", 1), method_id=shop["express"].pk, voucher="SOON")
    Voucher.objects.filter(pk=voucher.pk).update(ends_at=timezone.now())

    body = customer_client.get(f"{BASE}/{checkout}").json()
    response = complete(customer_client, checkout)

    assert [(p["code"], p["reason"], p["pointer"]) for p in body["problems"]] == [
        ("voucher_invalid", "expired", "#/voucher_code")
    ]
    assert body["totals"]["discount"]["amount"] == 0
    assert response.status_code == 409
    assert response.json()["type"].endswith("/checkout-not-ready")
    assert [p["code"] for p in response.json()["problems"]] == ["voucher_invalid"]
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert Checkout.objects.get().status == "open"


def test_out_of_stock_is_a_problem_and_completion_is_refused(shop, checkout, customer_client):
    ready_checkout(customer_client, checkout, ("MUG", 5), method_id=shop["express"].pk)
    stock_reserve(order_ref="someone-else", lines=[StockLine("MUG", 17)], ttl=timedelta(minutes=5))

    body = customer_client.get(f"{BASE}/{checkout}").json()
    response = complete(customer_client, checkout)

    assert [(p["code"], p["sku"], p["available"]) for p in body["problems"]] == [("out_of_stock", "MUG", 3)]
    assert response.status_code == 409 and response.json()["type"].endswith("/checkout-not-ready")
    assert Order.objects.count() == 0


def test_another_customers_checkout_is_404_and_a_guest_token_reaches_only_its_own(shop, checkout):
    stranger = token_client(UserFactory())
    guest, guest_body = guest_checkout()

    assert stranger.get(f"{BASE}/{checkout}").status_code == 404
    assert add(stranger, checkout, "MUG", 1).status_code == 404
    assert complete(stranger, checkout).status_code == 404
    assert guest.get(f"{BASE}/{checkout}").status_code == 404
    assert guest.get(f"{BASE}/{guest_body['id']}").status_code == 200
    assert CheckoutLine.objects.count() == 0


def test_a_wrong_guest_token_is_401_and_a_guest_needs_an_email(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Checkout not-a-token")
    wrong = api_client.get(f"{BASE}/00000000-0000-0000-0000-000000000000")
    api_client.credentials()
    no_email = api_client.post(BASE, {}, format="json")

    assert wrong.status_code == 401
    assert (no_email.status_code, errors(no_email)) == (400, [("#/email", "required")])
    assert Checkout.objects.count() == 0


def test_a_completed_checkout_cannot_change_again(shop, checkout, customer_client):
    ready_checkout(customer_client, checkout, ("MUG", 1), method_id=shop["express"].pk)
    assert complete(customer_client, checkout).status_code == 201
    order = Order.objects.get()

    changed = add(customer_client, checkout, "BOOK", 1)
    voucher = customer_client.delete(f"{BASE}/{checkout}/voucher")
    again = complete(customer_client, checkout, key="another-key")
    replay = complete(customer_client, checkout)

    for response in (changed, voucher, again):
        assert response.status_code == 409, response.json()
        assert response.json()["type"].endswith("/checkout-completed")
        assert response.json()["order_id"] == str(order.pk)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert (Order.objects.count(), Payment.objects.count(), CheckoutLine.objects.count()) == (1, 1, 1)


def test_a_declined_payment_leaves_the_checkout_open_for_another_card(shop, checkout, customer_client):
    ready_checkout(customer_client, checkout, ("MUG", 1), method_id=shop["express"].pk)

    declined = complete(customer_client, checkout, key="card-1", method="pm_sandbox_declined")
    paid = complete(customer_client, checkout, key="card-2")

    assert declined.status_code == 402, declined.json()
    assert paid.status_code == 201, paid.json()
    assert Order.objects.count() == 1
    assert Checkout.objects.get().status == "completed"


def test_a_voucher_the_customer_used_up_in_another_checkout_is_not_ready_not_unavailable(
    shop, checkout, customer_client
):
    Voucher.objects.create(code="ONEEACH", kind="fixed", amount=500, per_customer_limit=1)
    ready_checkout(customer_client, checkout, ("MUG", 1), method_id=shop["express"].pk, voucher="ONEEACH")
    other = customer_client.post(BASE, {}, format="json").json()["id"]
    ready_checkout(customer_client, other, ("MUG", 1), method_id=shop["express"].pk, voucher="ONEEACH")
    assert complete(customer_client, other).status_code == 201

    response = complete(customer_client, checkout)

    # What the complete operation documents: the pre-check's problem, not voucher-unavailable.
    assert response.status_code == 409 and response.json()["type"].endswith("/checkout-not-ready")
    assert [(p["code"], p["reason"]) for p in response.json()["problems"]] == [
        ("voucher_invalid", "used_up_by_customer")
    ]
