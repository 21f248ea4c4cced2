"""One exception → problem table for every module's API: each module maps its own errors once,
and an error answers the same whichever module's endpoint met it."""

from http import HTTPStatus

import pytest

from apps.checkout.contracts import CheckoutError
from apps.common.openapi import _DESCRIPTIONS
from apps.common.problems import PROBLEM_TABLE, problem_of
from apps.orders.contracts import OrderError
from apps.payments.contracts import PaymentDeclined, PaymentError
from apps.payments.models import Payment
from tests.factories.catalog import ProductFactory
from tests.helpers import place


def _subclasses(base: type) -> set[type]:
    found = set(base.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


@pytest.mark.parametrize("base", [OrderError, PaymentError, CheckoutError])
def test_every_expected_failure_of_a_module_has_a_row(base):
    unmapped = [exc.__name__ for exc in _subclasses(base) if exc not in PROBLEM_TABLE]

    assert unmapped == []


def test_a_slug_has_one_status_and_each_status_is_documented_in_the_schema():
    statuses: dict[str, set[int]] = {}
    for row in PROBLEM_TABLE.values():
        statuses.setdefault(row.slug, set()).add(row.status)

    assert {slug: s for slug, s in statuses.items() if len(s) > 1} == {}
    assert {row.status for row in PROBLEM_TABLE.values()} <= _DESCRIPTIONS.keys()
    assert statuses["validation-error"] == {400}  # the slug DRF's own field errors use


def test_a_row_builds_the_problem_with_the_status_title_and_extensions():
    problem = problem_of(PaymentDeclined("card_declined", "Your card was declined."), order_id="o-1")

    assert (problem.status_code, problem.slug, str(problem.detail)) == (
        402,
        "payment-declined",
        "Payment declined: Your card was declined.",
    )
    assert problem.extensions == {"decline_code": "card_declined", "order_id": "o-1"}
    assert problem_of(ValueError("not ours")) is None
    assert HTTPStatus(problem.status_code).phrase == "Payment Required"  # the title


@pytest.mark.django_db
def test_a_refused_capture_answers_the_same_from_orders_and_from_payments(
    settings, customer_client, staff_client
):
    """Orders' ship endpoint and the staff capture endpoint meet the same PaymentDeclined: they
    used to word it differently ("Payment declined: …" / "Declined: …")."""
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG", on_hand=5)
    order_id = place(customer_client, ("MUG", 1), key="a", method="pm_sandbox_capture_fails").json()["id"]
    other_id = place(customer_client, ("MUG", 1), key="b", method="pm_sandbox_capture_fails").json()["id"]

    shipped = staff_client("fulfilment").post(
        f"/api/v1/orders/{order_id}/ship",
        {"carrier": "DHL", "tracking_number": "JD1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    payment_id = Payment.objects.get(order_id=other_id).pk
    captured = staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/capture", {}, format="json", HTTP_IDEMPOTENCY_KEY="capture-1"
    )

    assert (shipped.status_code, captured.status_code) == (402, 402)
    assert shipped["Content-Type"] == captured["Content-Type"] == "application/problem+json"
    ship_body, capture_body = shipped.json(), captured.json()
    assert ship_body.pop("instance") != capture_body.pop("instance")
    assert ship_body == capture_body
    assert ship_body["type"].endswith("/payment-declined")
    assert ship_body["detail"].startswith("Payment declined: ")
    assert ship_body["decline_code"] == "capture_failed"
