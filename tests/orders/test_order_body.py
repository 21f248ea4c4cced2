"""OrderSerializer writes its answer out by hand (speed); DRF's generic rendering of the same
declared fields is the reference it must equal, for every kind of order."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from apps.orders.api.serializers import OrderLineSerializer, OrderSerializer
from apps.orders.models import Order
from apps.payments.contracts import RefundRecord
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory
from tests.helpers import place

pytestmark = pytest.mark.django_db(databases="__all__")


def _context(user, refunds=None) -> dict:
    request = APIRequestFactory().get("/")
    request.user = user
    return {"request": request, **({"refunds": refunds} if refunds is not None else {})}


def _generic(order: Order, context: dict) -> dict:
    return serializers.ModelSerializer.to_representation(OrderSerializer(order, context=context), order)


@pytest.fixture
def placed(customer, customer_client) -> Order:
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    ProductFactory(sku="TEA", price_amount=599, on_hand=10)
    assert place(customer_client, ("MUG", 2), ("TEA", 1)).status_code == 201
    return Order.objects.prefetch_related("lines").get()


def test_a_placed_order_reads_as_drf_would_render_it(customer, placed):
    context = _context(customer)

    assert OrderSerializer(placed, context=context).data == _generic(placed, context)


def test_every_optional_part_reads_as_drf_would_render_it(customer, placed):
    Order.objects.filter(pk=placed.pk).update(
        status="shipped",
        carrier="DHL",
        tracking_number="JD0001",
        shipping_method="Standard",
        voucher_code="WELCOME",
        shipping_amount=490,
        discount_amount=100,
        tax_amount=50,
        prices_include_tax=False,
        subtotal_amount=None,  # orders from before subtotals were kept
        payment_status="partially_refunded",
        billing_address={**placed.shipping_address, "region": "Greater London", "phone": "+44 20 1234"},
    )
    order = Order.objects.prefetch_related("lines").get()
    refunds = {
        str(order.payment_id): [
            RefundRecord(
                str(order.payment_id), 300, "EUR", "", "", datetime(2026, 11, 30, 9, 5, 1, 250, UTC)
            ),
            RefundRecord(str(order.payment_id), 200, "EUR", "", "", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ]
    }

    for user in (customer, StaffFactory(role="fulfilment")):
        context = _context(user, refunds)
        body = OrderSerializer(order, context=context).data
        assert body == _generic(order, _context(user, refunds)), user
        assert body["amount_refunded"] == 500 and body["billing_address"]["phone"] == "+44 20 1234"


def test_a_line_reads_as_drf_would_render_it(placed):
    for line in placed.lines.all():
        fast = OrderLineSerializer(line).data
        assert fast == serializers.ModelSerializer.to_representation(OrderLineSerializer(line), line)
