"""Daily sales split gross into net sales (goods), shipping and tax, with the discounts, from the
parts OrderCreated carries: checkout orders with gross and with net prices, and a direct order."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.checkout.models import Voucher
from apps.events.models import OutboxEvent
from apps.reporting.models import DailySales, OrderFact
from apps.reporting.projections import order_event_apply
from tests.checkout.conftest import product_extras, shop  # noqa: F401 - fixtures
from tests.checkout.helpers import complete, customer_checkout, ready_checkout
from tests.helpers import drain_outbox, place

pytestmark = pytest.mark.django_db(databases="__all__")
SPLIT = ("gross_amount", "goods_amount", "shipping_amount", "tax_amount", "discount_amount")


@pytest.fixture
def day_of_checkouts(shop, settings, customer_client):  # noqa: F811
    Voucher.objects.create(code="WELCOME10", kind="percentage", percentage=10, min_subtotal=1000)
    # Gross prices: MUG x2 + BOOK x1, DHL 6.90, 10 % off (tests/checkout/test_flow.py works it out):
    # total 46.32 = goods 43.80 - 4.38 - tax in the lines (3.42 + 1.18) = 34.82, shipping 6.90 - 1.10 tax
    # = 5.80, tax 3.42 + 1.18 + 1.10 = 5.70; discount 4.38.
    gross = customer_checkout(customer_client)["id"]
    ready_checkout(
        customer_client, gross, ("MUG", 2), ("BOOK", 1), method_id=shop["dhl"].pk, voucher="WELCOME10"
    )
    assert complete(customer_client, gross, key="gross").status_code == 201
    # Net prices: MUG 11.90 + express 12.90 + tax 2.26 + 2.45 = 29.51.
    settings.CHECKOUT_PRICES_INCLUDE_TAX = False
    net = customer_checkout(customer_client)["id"]
    ready_checkout(customer_client, net, ("MUG", 1), method_id=shop["express"].pk)
    assert complete(customer_client, net, key="net").status_code == 201
    # A direct order (POST /orders): all goods.
    assert place(customer_client, ("MUG", 1), key="direct").status_code == 201
    drain_outbox()


EXPECTED = {
    "gross_amount": 4632 + 2951 + 1190,
    "goods_amount": 3482 + 1190 + 1190,
    "shipping_amount": 580 + 1290,
    "tax_amount": 570 + 471,
    "discount_amount": 438,
}


def _split() -> dict:
    [paid] = DailySales.objects.filter(status="paid").values(*SPLIT)
    return paid


def test_daily_sales_split_goods_shipping_tax_and_discounts_to_the_minor_unit(day_of_checkouts):
    split = _split()

    assert split == EXPECTED
    assert split["goods_amount"] + split["shipping_amount"] + split["tax_amount"] == split["gross_amount"]


def test_a_backfill_gives_the_same_split_and_fills_facts_that_lack_the_parts(day_of_checkouts):
    OrderFact.objects.update(shipping_amount=0, shipping_tax_amount=0, discount_amount=0, tax_amount=0)
    DailySales.objects.all().delete()

    call_command("reporting_backfill", "--no-progress", "--restart", stdout=StringIO())
    refilled = _split()
    OrderFact.objects.all().delete()
    DailySales.objects.all().delete()
    call_command("reporting_backfill", "--no-progress", "--restart", stdout=StringIO())

    assert refilled == EXPECTED
    assert _split() == EXPECTED


def test_an_order_created_event_arriving_after_later_news_still_brings_the_parts(day_of_checkouts):
    envelopes = [
        e.envelope for e in OutboxEvent.objects.filter(handler="", type__startswith="orders.").order_by("id")
    ]
    OrderFact.objects.all().delete()
    DailySales.objects.all().delete()

    for envelope in sorted(envelopes, key=lambda e: e["type"] == "orders.OrderCreated.v1"):
        order_event_apply(envelope=envelope)  # every OrderPaid first, then the OrderCreated ones

    assert _split() == EXPECTED
    assert OrderFact.objects.filter(aggregate_version__gt=1).count() == 3


def test_reconciliation_checks_the_split_against_the_orders_themselves(day_of_checkouts):
    day = OrderFact.objects.first().placed_on
    reconcile = ("reporting_reconcile", "--since", str(day), "--until", str(day))
    out = StringIO()
    call_command(*reconcile, stdout=out)
    assert out.getvalue().endswith("No drift.\n")

    # Shipping counted with its tax, as a projection that forgot gross prices would: the gross and
    # every count still agree, so only the split can show it.
    DailySales.objects.filter(status="paid").update(
        shipping_amount=580 + 110 + 1290, goods_amount=3482 + 2380 - 110
    )
    out = StringIO()
    with pytest.raises(CommandError, match="drift in 1 of 1 rows"):
        call_command(*reconcile, stdout=out)
    assert f"DRIFT {day} EUR paid: goods_amount 5752 != 5862, shipping_amount 1980 != 1870" in out.getvalue()
