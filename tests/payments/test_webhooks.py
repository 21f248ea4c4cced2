"""Provider callbacks: signature checked, each event applied once, out-of-order news ignored."""

import json
import time

import pytest

from apps.payments.models import Payment, ProviderEvent
from apps.payments.providers import get_provider
from tests.factories.payments import authorized_payment, captured_payment

pytestmark = pytest.mark.django_db


def _send(api_client, event: dict, *, signature: str | None = None, provider: str = "sandbox"):
    body = json.dumps(event).encode()
    signature = signature if signature is not None else get_provider("sandbox").sign(body)
    return api_client.post(
        f"/api/v1/payments/webhooks/{provider}",
        body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=signature,
    )


def _event(event_id: str, kind: str, payment: Payment, amount: int = 0) -> dict:
    return {
        "id": event_id,
        "type": f"payment.{kind}",
        "payment": payment.provider_ref,
        "amount": amount,
        "created": int(time.time()),
    }


def test_a_signed_capture_callback_captures_the_payment_once(api_client):
    payment = authorized_payment(amount=5000)

    first = _send(api_client, _event("evt_1", "captured", payment, 5000))
    again = _send(api_client, _event("evt_1", "captured", payment, 5000))

    assert (first.status_code, first.json()) == (200, {"received": True, "applied": True, "parked": False})
    assert (again.status_code, again.json()) == (200, {"received": True, "applied": False, "parked": False})
    payment.refresh_from_db()
    assert (payment.status, payment.amount_captured, payment.version) == ("captured", 5000, 3)
    assert ProviderEvent.objects.count() == 1


def test_an_older_event_arriving_late_changes_nothing(api_client):
    payment = captured_payment(amount=5000)

    response = _send(api_client, _event("evt_late", "authorized", payment, 5000))

    assert response.json() == {"received": True, "applied": False, "parked": False}
    payment.refresh_from_db()
    assert payment.status == "captured"
    assert ProviderEvent.objects.get().applied is False


def test_refund_callbacks_carry_a_running_total_and_only_the_news_is_recorded(api_client):
    payment = captured_payment(amount=5000)

    _send(api_client, _event("evt_r1", "refunded", payment, 1000))
    _send(api_client, _event("evt_r2", "refunded", payment, 3000))
    _send(api_client, _event("evt_r0", "refunded", payment, 1000))  # an old one, late

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 3000)
    assert list(payment.refunds.values_list("amount", flat=True)) == [1000, 2000]


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=00", "garbage", None],
    ids=["missing", "wrong", "malformed", "stale"],
)
def test_a_bad_signature_is_400_and_applies_nothing(api_client, signature):
    payment = authorized_payment()
    event = _event("evt_x", "captured", payment, 5000)
    if signature is None:  # correctly signed, ten minutes ago: a replayed capture
        signature = get_provider("sandbox").sign(json.dumps(event).encode(), timestamp=int(time.time()) - 600)

    response = _send(api_client, event, signature=signature)

    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-signature")
    assert Payment.objects.get().status == "authorized"
    assert ProviderEvent.objects.count() == 0


def test_a_tampered_body_fails_the_signature(api_client):
    payment = authorized_payment(amount=5000)
    signed = json.dumps(_event("evt_1", "captured", payment, 10)).encode()
    signature = get_provider("sandbox").sign(signed)

    response = _send(api_client, _event("evt_1", "captured", payment, 5000), signature=signature)

    assert response.status_code == 400


def test_an_unknown_provider_is_404(api_client):
    response = api_client.post("/api/v1/payments/webhooks/paypal", {}, format="json")

    assert response.status_code == 404
