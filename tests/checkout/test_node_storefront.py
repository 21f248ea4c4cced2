"""The Node.js consumer (contracts/node) runs the whole storefront checkout flow against a live
server this test starts, with its generated types and typed fetch client, and asserts the totals.
`make test` builds it first (`make contracts-build`); the live server is a thread of this process,
so it shares the mongomock catalog the fixtures fill."""

import json
import os
import shutil
import subprocess
from decimal import Decimal

import pytest

from apps.checkout.models import Voucher
from apps.orders.models import Order
from config.env import BASE_DIR
from tests.factories.accounts import PASSWORD, UserFactory
from tests.helpers import tool_missing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
SCRIPT = BASE_DIR / "contracts" / "node" / "dist" / "checkout-flow.js"
# The same shop and totals as test_flow.py: MUG x2 + BOOK x1, DHL by weight, WELCOME10.
EXPECT = {
    "lines": [
        {"sku": "MUG", "quantity": 2, "tax": 342, "discount": 238},
        {"sku": "BOOK", "quantity": 1, "tax": 118, "discount": 200},
    ],
    "shipping_method": "DHL Paket",
    "voucher": "WELCOME10",
    "totals": {"subtotal": 4380, "discount": 438, "shipping": 690, "tax": 570, "total": 4632},
}


def test_the_node_storefront_checks_out_against_a_live_server(live_server, shop):
    if not SCRIPT.exists() or shutil.which("node") is None:
        tool_missing(
            f"{SCRIPT} is missing: run `make contracts-build` (make test does) with Node 20+ installed"
        )
    Voucher.objects.create(code="WELCOME10", kind="percentage", percentage=Decimal(10))
    customer = UserFactory()

    run = subprocess.run(
        ["node", str(SCRIPT)],
        env=os.environ
        | {
            "BASE_URL": live_server.url,
            "EMAIL": customer.email,
            "PASSWORD": PASSWORD,
            "EXPECT": json.dumps(EXPECT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    order = Order.objects.get()
    assert result["order_id"] == str(order.pk) and result["number"] == order.number
    assert result["totals"] == EXPECT["totals"]
    assert (order.customer_id, order.total_amount, order.tax_amount) == (customer.pk, 4632, 570)
