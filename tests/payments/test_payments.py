"""Payment intents: the status machine, amounts, constraints, idempotency; the finance API."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.events.models import OutboxEvent
from apps.payments import services
from apps.payments.contracts import AmountInvalid, PaymentDeclined, PaymentStateConflict, UnknownProvider
from apps.payments.models import Capture, Payment, Refund
from tests.factories.accounts import StaffFactory, UserFactory, token_client
from tests.factories.payments import authorized_payment, captured_payment

pytestmark = pytest.mark.django_db


def _events(payment: Payment) -> list[str]:
    return list(
        OutboxEvent.objects.filter(subject=str(payment.pk)).order_by("id").values_list("type", flat=True)
    )


def test_authorize_then_partial_capture_then_refunds_up_to_the_captured_amount():
    payment = authorized_payment(amount=5000)

    services.payment_capture(payment_id=payment.pk, amount=4000, idempotency_key="c1")
    services.payment_refund(payment_id=payment.pk, amount=1500, idempotency_key="r1")
    services.payment_refund(payment_id=payment.pk, amount=2500, idempotency_key="r2")

    payment.refresh_from_db()
    assert (payment.status, payment.amount_authorized, payment.amount_captured, payment.amount_refunded) == (
        "refunded",
        5000,
        4000,
        4000,
    )
    assert list(Refund.objects.values_list("amount", flat=True)) == [1500, 2500]
    assert Capture.objects.get().amount == 4000
    assert payment.version == 5
    assert _events(payment) == [
        "payments.PaymentAuthorized.v1",
        "payments.PaymentCaptured.v1",
        "payments.PaymentRefunded.v1",
        "payments.PaymentRefunded.v1",
    ]


def test_a_refund_above_what_is_left_is_refused_and_changes_nothing():
    payment = captured_payment(amount=3000)
    services.payment_refund(payment_id=payment.pk, amount=2000, idempotency_key="r1")

    with pytest.raises(AmountInvalid, match=r"^Refund between €0\.01 and €10\.00 "):
        services.payment_refund(payment_id=payment.pk, amount=1001, idempotency_key="r2")

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 2000)


def test_the_same_refund_key_twice_refunds_once():
    payment = captured_payment(amount=3000)

    services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="r1")
    services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="r1")

    payment.refresh_from_db()
    assert payment.amount_refunded == 1000
    assert Refund.objects.count() == 1


def test_capture_twice_with_the_same_key_captures_once_and_another_key_is_a_conflict():
    payment = authorized_payment()
    services.payment_capture(payment_id=payment.pk, idempotency_key="c1")

    services.payment_capture(payment_id=payment.pk, idempotency_key="c1")
    with pytest.raises(PaymentStateConflict, match="A captured payment cannot capture"):
        services.payment_capture(payment_id=payment.pk, idempotency_key="c2")

    assert Capture.objects.count() == 1


@pytest.mark.parametrize("amount", [0, 5001])
def test_capture_amount_outside_the_authorization_is_refused(amount):
    payment = authorized_payment(amount=5000)

    with pytest.raises(AmountInvalid):
        services.payment_capture(payment_id=payment.pk, amount=amount, idempotency_key="c1")

    assert Payment.objects.get().status == "authorized"


def test_void_is_idempotent_and_a_voided_payment_cannot_be_captured():
    payment = authorized_payment()

    services.payment_void(payment_id=payment.pk, idempotency_key="v1")
    services.payment_void(payment_id=payment.pk, idempotency_key="v1")

    assert _events(payment) == ["payments.PaymentAuthorized.v1", "payments.PaymentVoided.v1"]
    with pytest.raises(PaymentStateConflict):
        services.payment_capture(payment_id=payment.pk, idempotency_key="c1")


def test_the_same_authorization_key_gives_the_same_decline_without_asking_again():
    request = {
        "order_id": "5b0f8d52-7d55-4c4e-9a43-6a3c1f0e2d11",
        "amount": 100,
        "currency": "EUR",
        "provider": "sandbox",
        "payment_method": "pm_sandbox_declined",
        "idempotency_key": "k",
    }
    codes = []
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as declined:
            services.payment_authorize(**request)
        codes.append(declined.value.code)

    assert codes == ["card_declined", "card_declined"]
    assert Payment.objects.count() == 1
    assert _events(Payment.objects.get()) == ["payments.PaymentFailed.v1"]


def test_an_unknown_provider_is_refused_before_anything_is_stored():
    with pytest.raises(UnknownProvider):
        services.payment_authorize(
            order_id="5b0f8d52-7d55-4c4e-9a43-6a3c1f0e2d11",
            amount=100,
            currency="EUR",
            provider="paypal",
            payment_method="x",
            idempotency_key="k",
        )
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"amount_captured": F("amount_authorized") + 1},
        {"amount_refunded": F("amount_captured") + 1},
        {"amount_authorized": -1},
    ],
)
def test_the_database_refuses_impossible_amounts(change):
    payment = captured_payment(amount=3000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(**change)


# --- the finance API --------------------------------------------------------------------


def _finance(role="finance"):
    return token_client(StaffFactory(role=role))


def test_finance_captures_through_the_api_with_an_idempotency_key():
    payment = authorized_payment(amount=5000)
    client = _finance()

    response = client.post(
        f"/api/v1/payments/{payment.pk}/capture",
        {"amount": 4500},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cap-1",
    )
    replay = client.post(
        f"/api/v1/payments/{payment.pk}/capture",
        {"amount": 4500},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cap-1",
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount_captured"]) == ("captured", 4500)
    assert replay.content == response.content
    assert replay["Idempotent-Replayed"] == "true"
    assert Capture.objects.count() == 1


def test_a_refund_above_captured_through_the_api_is_400_pointing_at_amount():
    payment = captured_payment(amount=3000)

    response = _finance().post(
        f"/api/v1/payments/{payment.pk}/refunds", {"amount": 3001}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "pointer": "#/amount",
            "detail": "Refund between €0.01 and €30.00 (captured and not yet refunded); "
            "amount is in minor units, 1 to 3000.",
            "code": "invalid_amount",
        }
    ]
    assert Refund.objects.count() == 0


def test_a_capture_above_the_authorization_is_400_in_major_units_with_the_currency():
    payment = authorized_payment(amount=7800)

    response = _finance().post(
        f"/api/v1/payments/{payment.pk}/capture", {"amount": 7801}, format="json", HTTP_IDEMPOTENCY_KEY="c"
    )

    assert response.status_code == 400
    assert [(e["pointer"], e["detail"]) for e in response.json()["errors"]] == [
        (
            "#/amount",
            "Capture between €0.01 and €78.00 (the authorized amount); amount is in minor units, 1 to 7800.",
        )
    ]
    assert Capture.objects.count() == 0


def test_a_refused_capture_through_the_api_is_402():
    payment = authorized_payment(method="pm_sandbox_capture_fails")

    response = _finance().post(
        f"/api/v1/payments/{payment.pk}/capture", {}, format="json", HTTP_IDEMPOTENCY_KEY="c"
    )

    assert response.status_code == 402
    assert response.json()["decline_code"] == "capture_failed"


@pytest.mark.parametrize("role", ["support", "fulfilment"])
def test_only_finance_captures_and_refunds(role):
    payment = captured_payment(amount=3000)
    client = _finance(role)

    refund = client.post(
        f"/api/v1/payments/{payment.pk}/refunds", {"amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    capture = client.post(
        f"/api/v1/payments/{payment.pk}/capture", {}, format="json", HTTP_IDEMPOTENCY_KEY="c"
    )

    assert (refund.status_code, capture.status_code) == (403, 403)
    assert Refund.objects.count() == 0


def test_support_reads_a_payment_and_a_customer_may_not():
    payment = captured_payment(amount=3000)

    assert _finance("support").get(f"/api/v1/payments/{payment.pk}").json()["amount_captured"] == 3000
    assert token_client(UserFactory()).get(f"/api/v1/payments/{payment.pk}").status_code == 403


def test_payments_abandoned_after_a_provider_timeout_are_voided_and_only_those():
    from datetime import timedelta

    from django.utils import timezone

    from apps.payments.contracts import ProviderUnavailable

    with pytest.raises(ProviderUnavailable):
        authorized_payment(method="pm_sandbox_timeout")
    recent = authorized_payment()
    Payment.objects.filter(status="requires_authorization").update(
        created_at=timezone.now() - timedelta(hours=26)
    )

    voided = services.payments_void_abandoned(older_than=timedelta(hours=25))

    assert voided == 1
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["authorized", "voided"]
    assert Payment.objects.get(pk=recent.pk).status == "authorized"
