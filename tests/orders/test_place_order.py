import re

import pytest

from apps.catalog.documents import Reservation, Variant
from apps.events.models import OutboxEvent
from apps.orders.models import Order, OrderStatusChange
from apps.payments.models import Payment
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

# Events fan out to every module's handlers, reporting's database included.
pytestmark = pytest.mark.django_db(databases="__all__")


def test_placing_an_order_authorizes_payment_commits_stock_and_records_the_order(customer, customer_client):
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    ProductFactory(sku="TEA", price_amount=599, on_hand=50)

    response = place(customer_client, ("MUG", 2), ("TEA", 1))

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == str(order.pk)
    assert body["status"] == "placed"
    assert body["total_amount"] == 2 * 1250 + 599
    assert body["currency"] == "EUR"
    assert body["item_count"] == 3
    assert body["lines"] == [
        {
            "sku": "MUG",
            "name": order.lines.get(sku="MUG").name,
            "unit_price": 1250,
            "quantity": 2,
            "line_total": 2500,
            "price": {"amount": 1250, "currency": "EUR"},
            "total": {"amount": 2500, "currency": "EUR"},
            "discount": {"amount": 0, "currency": "EUR"},
            "tax": {"amount": 0, "currency": "EUR"},
        },
        {
            "sku": "TEA",
            "name": order.lines.get(sku="TEA").name,
            "unit_price": 599,
            "quantity": 1,
            "line_total": 599,
            "price": {"amount": 599, "currency": "EUR"},
            "total": {"amount": 599, "currency": "EUR"},
            "discount": {"amount": 0, "currency": "EUR"},
            "tax": {"amount": 0, "currency": "EUR"},
        },
    ]
    # A direct order charges its lines only: no shipping, discount or tax
    eur = lambda amount: {"amount": amount, "currency": "EUR"}  # noqa: E731
    assert body["totals"] == {
        "subtotal": eur(3099),
        "shipping": eur(0),
        "discount": eur(0),
        "tax": eur(0),
        "total": eur(3099),
        "prices_include_tax": True,
    }
    assert (body["shipping_method"], body["voucher_code"], body["billing_address"]) == ("", "", None)
    assert body["allowed_actions"] == ["cancel"]  # the customer may not ship
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_authorized, payment.order_id) == ("authorized", 3099, order.pk)
    assert order.customer_id == customer.pk
    assert Variant.objects.get(sku="MUG").on_hand == 8  # committed: left stock for good
    assert Variant.objects.get(sku="TEA").available == 49
    assert Reservation.objects.get().status == "committed"
    assert list(OrderStatusChange.objects.values_list("from_status", "to_status")) == [("", "placed")]
    assert sorted(OutboxEvent.objects.values_list("type", flat=True)) == [
        "orders.OrderCreated.v1",
        "payments.PaymentAuthorized.v1",
    ]


def test_immediate_capture_policy_marks_the_order_paid(customer_client):
    ProductFactory(sku="MUG", price_amount=1250)
    order_id = place(customer_client, ("MUG", 1)).json()["id"]

    outcomes = drain_outbox()

    order = Order.objects.get(pk=order_id)
    assert order.status == "paid"
    assert Payment.objects.get().status == "captured"
    orders_handlers = {"track_payment_status", "capture_when_immediate", "commit_stock", "mark_paid"}
    assert [o for o in outcomes if o[1] in orders_handlers] == [
        ("payments.PaymentAuthorized.v1", "track_payment_status", "processed"),
        ("orders.OrderCreated.v1", "capture_when_immediate", "processed"),
        ("orders.OrderCreated.v1", "commit_stock", "processed"),
        ("payments.PaymentCaptured.v1", "track_payment_status", "processed"),
        ("payments.PaymentCaptured.v1", "mark_paid", "processed"),
    ]
    assert {outcome for _, _, outcome in outcomes} == {"processed"}  # every other module's too
    assert order.payment_status == "captured"
    assert list(order.status_changes.values_list("to_status", "actor")) == [
        ("placed", f"customer {order.customer_id} <{order.customer_email}>"),
        ("paid", "system"),
    ]


def test_a_placed_order_costs_ten_sql_statements(customer_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ProductFactory(sku="MUG", on_hand=100)
    ProductFactory(sku="TEA", on_hand=100)
    place(customer_client, ("MUG", 1), key="warm-up")

    with CaptureQueriesContext(connection) as queries:
        response = place(customer_client, ("MUG", 1), ("TEA", 2), key="measured")

    assert response.status_code == 201
    # The test's wrapping transaction turns each atomic() into SAVEPOINT/RELEASE statements;
    # in production those are BEGIN/COMMIT on the connection. Count the work itself.
    statements = [_statement(q["sql"]) for q in queries if "SAVEPOINT" not in q["sql"]]
    # No token lookup: the warm-up's request left the token in the cache (accounts/token_cache.py).
    assert statements == [
        "INSERT common_idempotencykey",
        "INSERT payments_payment",
        "UPDATE payments_payment",
        "INSERT payments_paymentstatuschange",  # the authorization's audit row
        "INSERT events_outboxevent",
        "INSERT orders_order",
        "INSERT orders_orderline",
        "INSERT orders_orderstatuschange",
        "INSERT events_outboxevent",
        "UPDATE common_idempotencykey",
    ]


def _statement(sql: str) -> str:
    """'INSERT orders_order', 'SELECT knox_authtoken': the verb and the (first) table."""
    verb = sql.split()[0]
    table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql).group(1)
    return f"{verb} {table}"


def test_on_shipment_policy_leaves_the_payment_authorized_until_shipping(settings, customer_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG")
    place(customer_client, ("MUG", 1))

    drain_outbox()

    assert Order.objects.get().status == "placed"
    assert Payment.objects.get().status == "authorized"


def test_replaying_the_same_request_returns_the_same_order(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    first = place(customer_client, ("MUG", 2), key="same")

    again = place(customer_client, ("MUG", 2), key="same")

    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)
    assert Variant.objects.get(sku="MUG").available == 8


def test_same_key_with_a_different_body_is_422_and_changes_nothing(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    place(customer_client, ("MUG", 2), key="same")

    response = place(customer_client, ("MUG", 3), key="same")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert Variant.objects.get(sku="MUG").available == 8
    assert Order.objects.count() == 1


def _nothing_left_behind(sku: str, on_hand: int) -> None:
    """No order, no held or committed stock, no open authorization."""
    assert Order.objects.count() == 0
    product = Variant.objects.get(sku=sku)
    assert (product.on_hand, product.reserved, product.available) == (on_hand, 0, on_hand)
    assert not Payment.objects.filter(status="authorized").exists()


@pytest.mark.parametrize(
    ("method", "decline_code"),
    [("pm_sandbox_declined", "card_declined"), ("pm_sandbox_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_card_is_402_with_the_reason_and_releases_the_stock(customer_client, method, decline_code):
    ProductFactory(sku="MUG", on_hand=10)

    response = place(customer_client, ("MUG", 2), method=method)

    assert response.status_code == 402
    body = response.json()
    assert body["type"].endswith("/payment-declined")
    assert body["decline_code"] == decline_code
    _nothing_left_behind("MUG", 10)
    assert Payment.objects.get().status == "failed"
    assert Reservation.objects.get().status == "released"


def test_a_provider_timeout_is_503_with_retry_after_and_leaves_nothing_held(customer_client):
    ProductFactory(sku="MUG", on_hand=10)

    response = place(customer_client, ("MUG", 2), method="pm_sandbox_timeout")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["type"].endswith("/payment-provider-unavailable")
    _nothing_left_behind("MUG", 10)
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code) == ("requires_authorization", "provider_unavailable")


def test_a_failure_after_authorization_voids_it_and_releases_the_stock(customer):
    from django.db import IntegrityError, connection

    from apps.orders.contracts import Customer, LineRequest
    from apps.orders.services import order_create

    ProductFactory(sku="MUG", on_hand=10)
    with connection.cursor() as cursor:  # a real database refusal of the order insert
        cursor.execute(
            "ALTER TABLE orders_order ADD CONSTRAINT test_refuse CHECK (total_amount < 0) NOT VALID"
        )

    with pytest.raises(IntegrityError):
        order_create(
            customer=Customer(customer.pk, customer.email),
            idempotency_key="k",
            lines=[LineRequest("MUG", 2)],
            shipping_address={},
            payment_provider="sandbox",
            payment_method="pm_sandbox_ok",
        )

    _nothing_left_behind("MUG", 10)
    assert Payment.objects.get().status == "voided"
    assert Reservation.objects.get().status == "released"


def test_out_of_stock_is_409_naming_the_line_and_what_is_available(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    ProductFactory(sku="TEA", on_hand=1)

    response = place(customer_client, ("MUG", 2), ("TEA", 3))

    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/out-of-stock")
    assert body["errors"] == [
        {
            "pointer": "#/lines/1/quantity",
            "detail": "Only 1 of TEA available, 3 asked.",
            "code": "insufficient_stock",
            "available": 1,
        }
    ]
    _nothing_left_behind("MUG", 10)
    assert Payment.objects.count() == 0


def test_unknown_and_inactive_skus_are_400_pointing_at_the_line(customer_client):
    ProductFactory(sku="MUG")
    ProductFactory(sku="OLD", active=False)

    response = place(customer_client, ("MUG", 1), ("NOPE", 1), ("OLD", 1))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/lines/1/sku", "detail": "SKU NOPE is unknown.", "code": "unknown_sku"},
        {"pointer": "#/lines/2/sku", "detail": "SKU OLD is not for sale.", "code": "unknown_sku"},
    ]
    _nothing_left_behind("MUG", 10)


def test_mixed_currencies_are_400(customer_client):
    ProductFactory(sku="MUG", currency="EUR")
    ProductFactory(sku="CUP", currency="USD")

    response = place(customer_client, ("MUG", 1), ("CUP", 1))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "pointer": "#/lines",
            "detail": "All lines must be in one currency, not EUR, USD.",
            "code": "mixed_currencies",
        }
    ]
    _nothing_left_behind("MUG", 10)


def _post(client, body, key="bad"):
    return client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        (lambda b: b.update(lines=[]), "#/lines", "empty"),
        (lambda b: b["lines"][0].update(quantity=0), "#/lines/0/quantity", "min_value"),
        (lambda b: b["lines"][0].update(quantity=-3), "#/lines/0/quantity", "min_value"),
        (lambda b: b["lines"][0].update(quantity=1001), "#/lines/0/quantity", "max_value"),
        (lambda b: b["lines"][0].update(quantity="two"), "#/lines/0/quantity", "invalid"),
        (lambda b: b["lines"].append({"sku": "MUG", "quantity": 1}), "#/lines/1/sku", "duplicate_sku"),
        (lambda b: b["shipping_address"].pop("city"), "#/shipping_address/city", "required"),
        (lambda b: b["shipping_address"].update(country="Germany"), "#/shipping_address/country", "invalid"),
        (lambda b: b.pop("shipping_address"), "#/shipping_address", "required"),
        (lambda b: b["payment"].update(provider="paypal"), "#/payment/provider", "unknown_provider"),
        (lambda b: b["payment"].pop("method"), "#/payment/method", "required"),
    ],
)
def test_bad_input_is_a_400_pointing_at_the_field_and_writes_nothing(customer_client, change, pointer, code):
    from tests.factories.orders import order_request

    ProductFactory(sku="MUG", on_hand=10)
    body = order_request(("MUG", 1))
    change(body)

    response = _post(customer_client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(pointer, code)]
    _nothing_left_behind("MUG", 10)
    assert Payment.objects.count() == 0
    # Nothing stored under the key either: the corrected request goes through with it.
    assert place(customer_client, ("MUG", 1), key="bad").status_code == 201


@pytest.mark.parametrize(
    ("headers", "code"), [({}, "required"), ({"HTTP_IDEMPOTENCY_KEY": "k" * 256}, "invalid")]
)
def test_a_missing_or_oversized_idempotency_key_is_400(customer_client, headers, code):
    from tests.factories.orders import order_request

    ProductFactory(sku="MUG", on_hand=10)

    response = customer_client.post("/api/v1/orders", order_request(("MUG", 1)), format="json", **headers)

    assert response.status_code == 400
    assert response.json()["errors"][0]["header"] == "Idempotency-Key"
    assert response.json()["errors"][0]["code"] == code
    _nothing_left_behind("MUG", 10)


def test_placing_an_order_needs_a_token(api_client):
    from tests.factories.orders import order_request

    response = api_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 401
