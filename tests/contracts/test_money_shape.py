"""One Money shape in every API answer: an integer amount in a response schema is either
deprecated (v1's first shape, with its Money beside it) or not money at all."""

import re
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "openapi.yaml"
MONEY_NAME = re.compile(r"amount|price|total|refund|captur|authoriz|subtotal|discount|tax|shipping|spent")
NOT_MONEY = {("CatalogListing", "total"), ("CollectionListing", "total")}  # counts of products
REQUESTS = re.compile(r"Request$")  # amounts sent in requests are in the payment's currency


def test_every_integer_amount_in_an_answer_is_deprecated_beside_its_money():
    schemas = yaml.safe_load(SCHEMA.read_text())["components"]["schemas"]
    bare = [
        (name, prop)
        for name, schema in schemas.items()
        if not REQUESTS.search(name)
        for prop, spec in (schema.get("properties") or {}).items()
        if spec.get("type") == "integer" and MONEY_NAME.search(prop) and (name, prop) not in NOT_MONEY
        and not spec.get("deprecated") and name != "Money"
    ]  # fmt: skip

    assert bare == []


def test_each_deprecated_integer_has_a_money_beside_it():
    schemas = yaml.safe_load(SCHEMA.read_text())["components"]["schemas"]
    money = "#/components/schemas/Money"
    deprecated = {
        name: [prop for prop, spec in schema.get("properties", {}).items() if spec.get("deprecated")]
        for name, schema in schemas.items()
    }
    monies = {
        name: [prop for prop, spec in schema.get("properties", {}).items() if money in str(spec)]
        for name, schema in schemas.items()
    }

    assert {name: props for name, props in deprecated.items() if props} == {
        "Order": ["total_amount", "amount_refunded"],
        "OrderLine": ["unit_price", "line_total"],
        "OrderRefund": ["amount"],
        "Payment": ["amount", "amount_authorized", "amount_captured", "amount_refunded"],
        "Refund": ["amount"],
    }
    assert "refunded" in monies["Order"]  # the total is totals.total
    assert {"price", "total"} <= set(monies["OrderLine"])
    assert monies["OrderRefund"] == ["refunded"] and monies["Refund"] == ["refunded"]
    assert {"requested", "authorized", "captured", "refunded"} <= set(monies["Payment"])
