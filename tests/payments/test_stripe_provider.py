"""StripeProvider with the official SDK, over real HTTP to a local stand-in for Stripe's API."""

import json
import time
from datetime import UTC, datetime

import pytest
from django.http.request import HttpHeaders

from apps.payments.providers import get_provider
from apps.payments.providers.base import (
    Declined,
    InvalidWebhook,
    Rejected,
    Unavailable,
    UnreadableWebhook,
    WebhookEvent,
)
from apps.payments.providers.stripe import StripeProvider
from tests.payments.conftest import STRIPE_TIMEOUT, STRIPE_WEBHOOK_SECRET, stripe_signature

CREATED = 1767225600  # 2026-01-01T00:00:00Z


def _authorize(
    provider: StripeProvider, *, amount: int = 5000, key: str = "auth-1", pm: str = "pm_card_visa"
):
    return provider.authorize(
        amount=amount,
        currency="EUR",
        payment_method=pm,
        idempotency_key=key,
        metadata={"order_id": 42, "payment_id": "7"},
    )


def _captured(provider: StripeProvider, amount: int = 5000) -> str:
    ref = _authorize(provider, amount=amount)
    provider.capture(provider_ref=ref, amount=amount, idempotency_key="cap-1")
    return ref


# --- authorize -------------------------------------------------------------------------


def test_authorize_creates_a_confirmed_manual_capture_intent(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=1999)

    assert list(stripe_standin.intents) == [ref]
    assert ref.startswith("pi_")
    intent = stripe_standin.intents[ref]
    assert (intent["status"], intent["amount_capturable"], intent["amount_received"]) == (
        "requires_capture",
        1999,
        0,
    )
    [request] = stripe_standin.requests
    assert (request.method, request.path) == ("POST", "/v1/payment_intents")
    assert request.form == {
        "amount": "1999",
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "capture_method": "manual",
        "automatic_payment_methods": {"enabled": "true", "allow_redirects": "never"},
        "metadata": {"order_id": "42", "payment_id": "7"},
    }
    assert request.headers["idempotency-key"] == "auth-1"
    assert request.headers["authorization"] == "Bearer sk_test_standin"


def test_authorize_twice_with_one_key_makes_one_intent(stripe_provider, stripe_standin):
    first = _authorize(stripe_provider, key="auth-same")
    second = _authorize(stripe_provider, key="auth-same")

    assert second == first
    assert list(stripe_standin.intents) == [first]
    assert [r.headers["idempotency-key"] for r in stripe_standin.requests] == ["auth-same", "auth-same"]


@pytest.mark.parametrize(
    ("payment_method", "code", "message"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_a_refused_card_is_declined_with_the_decline_code(
    stripe_provider, stripe_standin, payment_method, code, message
):
    with pytest.raises(Declined) as declined:
        _authorize(stripe_provider, pm=payment_method)

    assert (declined.value.code, declined.value.message) == (code, message)
    [intent] = stripe_standin.intents.values()
    assert intent["status"] == "requires_payment_method"


def test_an_unknown_payment_method_is_declined_not_unavailable(stripe_provider, stripe_standin):
    with pytest.raises(Declined) as declined:
        _authorize(stripe_provider, pm="pm_does_not_exist")

    assert (declined.value.code, declined.value.message) == (
        "resource_missing",
        "No such PaymentMethod: 'pm_does_not_exist'",
    )
    assert stripe_standin.intents == {}


def test_a_hanging_stripe_is_unavailable_within_the_timeout_and_the_retry_reuses_the_intent(
    stripe_provider, stripe_standin
):
    stripe_standin.hang_next = 1  # the intent is created, the answer never arrives in time

    started = time.monotonic()
    with pytest.raises(Unavailable):
        _authorize(stripe_provider, key="auth-hang")
    elapsed = time.monotonic() - started

    assert STRIPE_TIMEOUT * 0.5 <= elapsed < STRIPE_TIMEOUT + 0.5
    assert len(stripe_standin.requests) == 1  # no SDK retry
    [created] = stripe_standin.intents
    assert _authorize(stripe_provider, key="auth-hang") == created
    assert list(stripe_standin.intents) == [created]


def test_a_server_error_is_unavailable_without_an_sdk_retry(stripe_provider, stripe_standin):
    stripe_standin.fail_next = 1

    with pytest.raises(Unavailable):
        _authorize(stripe_provider)

    assert len(stripe_standin.requests) == 1
    assert stripe_standin.intents == {}


def test_a_wrong_api_key_is_our_mistake_not_a_decline_nor_an_outage(stripe_standin):
    provider = StripeProvider(
        api_key="sk_test_wrong", webhook_secret=STRIPE_WEBHOOK_SECRET, api_base=stripe_standin.url, timeout=1
    )

    with pytest.raises(Rejected, match="AuthenticationError") as rejected:
        _authorize(provider)

    assert rejected.value.request_id.startswith("req_")  # Stripe's, for the log

    assert stripe_standin.intents == {}


def test_get_provider_reaches_the_standin_through_settings(stripe_settings, stripe_standin):
    provider = get_provider("stripe")

    ref = _authorize(provider)

    assert isinstance(provider.wrapped, StripeProvider)
    assert list(stripe_standin.intents) == [ref]


# --- capture, void, refund -------------------------------------------------------------


def test_capture_part_of_an_authorization(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=5000)

    stripe_provider.capture(provider_ref=ref, amount=3000, idempotency_key="cap-1")

    intent = stripe_standin.intents[ref]
    assert (intent["status"], intent["amount_received"], intent["amount_capturable"]) == (
        "succeeded",
        3000,
        0,
    )
    request = stripe_standin.requests[-1]
    assert (request.path, request.form) == (
        f"/v1/payment_intents/{ref}/capture",
        {"amount_to_capture": "3000"},
    )
    assert request.headers["idempotency-key"] == "cap-1"


def test_capture_retried_with_its_key_captures_once(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=5000)

    stripe_provider.capture(provider_ref=ref, amount=5000, idempotency_key="cap-1")
    stripe_provider.capture(provider_ref=ref, amount=5000, idempotency_key="cap-1")

    assert stripe_standin.intents[ref]["amount_received"] == 5000
    assert stripe_standin.charges[stripe_standin.intents[ref]["latest_charge"]]["amount_captured"] == 5000


def test_capture_above_the_authorization_is_declined(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=5000)

    with pytest.raises(Declined) as declined:
        stripe_provider.capture(provider_ref=ref, amount=5001, idempotency_key="cap-1")

    assert declined.value.code == "amount_too_large"
    assert stripe_standin.intents[ref]["status"] == "requires_capture"


def test_void_cancels_the_authorization(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider)

    stripe_provider.void(provider_ref=ref, idempotency_key="void-1")

    intent = stripe_standin.intents[ref]
    assert (intent["status"], intent["amount_capturable"]) == ("canceled", 0)
    request = stripe_standin.requests[-1]
    assert (request.path, request.form, request.headers["idempotency-key"]) == (
        f"/v1/payment_intents/{ref}/cancel",
        {},
        "void-1",
    )


def test_void_after_capture_is_declined(stripe_provider):
    ref = _captured(stripe_provider)

    with pytest.raises(Declined) as declined:
        stripe_provider.void(provider_ref=ref, idempotency_key="void-1")

    assert declined.value.code == "payment_intent_unexpected_state"


def test_capture_of_an_unknown_intent_is_our_mistake_with_stripes_request_id(stripe_provider):
    with pytest.raises(Rejected) as rejected:
        stripe_provider.capture(provider_ref="pi_missing", amount=100, idempotency_key="cap-1")

    assert (rejected.value.code, rejected.value.message) == (
        "resource_missing",
        "No such payment_intent: 'pi_missing'",
    )
    assert rejected.value.request_id.startswith("req_")


def test_two_partial_refunds_then_one_above_what_is_left(stripe_provider, stripe_standin):
    ref = _captured(stripe_provider, amount=5000)

    first = stripe_provider.refund(provider_ref=ref, amount=2000, idempotency_key="ref-1")
    second = stripe_provider.refund(provider_ref=ref, amount=2000, idempotency_key="ref-2")
    with pytest.raises(Declined) as declined:
        stripe_provider.refund(provider_ref=ref, amount=1001, idempotency_key="ref-3")

    assert first.startswith("re_") and second.startswith("re_") and first != second
    assert [(r["id"], r["amount"]) for r in stripe_standin.refunds.values()] == [
        (first, 2000),
        (second, 2000),
    ]
    assert (declined.value.code, declined.value.message) == (
        "amount_too_large",
        "Refund amount (1001) is greater than unrefunded amount on charge (1000).",
    )
    assert stripe_standin.charges[stripe_standin.intents[ref]["latest_charge"]]["amount_refunded"] == 4000
    assert stripe_standin.requests[-1].form == {"payment_intent": ref, "amount": "1001"}


def test_refund_retried_with_its_key_refunds_once(stripe_provider, stripe_standin):
    ref = _captured(stripe_provider, amount=5000)

    first = stripe_provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-1")
    again = stripe_provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-1")

    assert again == first
    assert list(stripe_standin.refunds) == [first]


def test_refund_of_an_uncaptured_intent_is_declined(stripe_provider):
    ref = _authorize(stripe_provider)

    with pytest.raises(Declined) as declined:
        stripe_provider.refund(provider_ref=ref, amount=100, idempotency_key="ref-1")

    assert declined.value.code == "payment_intent_unexpected_state"


# --- webhooks --------------------------------------------------------------------------


def _event(type_: str, obj: dict, event_id: str = "evt_1") -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": CREATED,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }
    return json.dumps(event).encode()


def _parse(provider: StripeProvider, body: bytes, signature: str | None = None) -> WebhookEvent | None:
    # Django's request.headers: case-insensitive, as the webhook view passes it.
    headers = HttpHeaders({"HTTP_STRIPE_SIGNATURE": signature or stripe_signature(body)})
    return provider.parse_webhook(body=body, headers=headers)


def test_webhooks_for_an_intent_map_to_our_kinds(stripe_provider, stripe_standin):
    # The event objects are the stand-in's own intents, so they have Stripe's shape.
    ref = _authorize(stripe_provider, amount=5000)
    authorized = dict(stripe_standin.intents[ref])
    stripe_provider.capture(provider_ref=ref, amount=3000, idempotency_key="cap-1")
    captured = dict(stripe_standin.intents[ref])
    at = datetime(2026, 1, 1, tzinfo=UTC)

    assert _parse(stripe_provider, _event("payment_intent.amount_capturable_updated", authorized)) == (
        WebhookEvent(
            event_id="evt_1", kind="authorized", provider_ref=ref, amount=5000, occurred_at=at, payment_id="7"
        )
    )
    assert _parse(stripe_provider, _event("payment_intent.succeeded", captured, "evt_2")) == WebhookEvent(
        event_id="evt_2", kind="captured", provider_ref=ref, amount=3000, occurred_at=at, payment_id="7"
    )


def test_webhook_for_a_voided_intent(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider)
    stripe_provider.void(provider_ref=ref, idempotency_key="void-1")

    event = _parse(stripe_provider, _event("payment_intent.canceled", stripe_standin.intents[ref]))

    assert event == WebhookEvent(
        event_id="evt_1",
        kind="voided",
        provider_ref=ref,
        amount=0,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        payment_id="7",  # our id, echoed from the intent's metadata
    )


def test_webhook_for_a_failed_payment_carries_the_decline_code(stripe_provider, stripe_standin):
    with pytest.raises(Declined):
        _authorize(stripe_provider, pm="pm_card_chargeDeclinedInsufficientFunds")
    [intent] = stripe_standin.intents.values()

    event = _parse(stripe_provider, _event("payment_intent.payment_failed", intent))

    assert event == WebhookEvent(
        event_id="evt_1",
        kind="failed",
        provider_ref=intent["id"],
        amount=0,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        failure_code="insufficient_funds",
        payment_id="7",
    )


def test_webhook_for_a_refunded_charge_reports_the_running_total(stripe_provider, stripe_standin):
    ref = _captured(stripe_provider, amount=5000)
    stripe_provider.refund(provider_ref=ref, amount=1000, idempotency_key="ref-1")
    stripe_provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-2")
    charge = stripe_standin.charges[stripe_standin.intents[ref]["latest_charge"]]

    event = _parse(stripe_provider, _event("charge.refunded", charge))

    assert event == WebhookEvent(
        event_id="evt_1",
        kind="refunded",
        provider_ref=ref,
        amount=2500,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_webhook_of_another_type_is_ignored(stripe_provider):
    assert _parse(stripe_provider, _event("customer.created", {"id": "cus_1", "object": "customer"})) is None


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: stripe_signature(body, secret="whsec_other"), id="wrong-secret"),
        pytest.param(lambda body: stripe_signature(body.replace(b"5000", b"9000")), id="tampered-body"),
        pytest.param(lambda body: stripe_signature(body, timestamp=int(time.time()) - 301), id="too-old"),
        pytest.param(lambda body: "t=1,v0=abc", id="no-v1-signature"),
        pytest.param(lambda body: "garbage", id="malformed-header"),
    ],
)
def test_a_webhook_that_does_not_verify_is_invalid(stripe_provider, signature):
    body = _event(
        "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", "amount_received": 5000}
    )

    with pytest.raises(InvalidWebhook):
        _parse(stripe_provider, body, signature(body))


def test_a_webhook_without_a_signature_header_is_invalid(stripe_provider):
    body = _event("payment_intent.succeeded", {"id": "pi_1", "amount_received": 5000})

    with pytest.raises(InvalidWebhook):
        stripe_provider.parse_webhook(body=body, headers={})


def test_a_signed_body_that_is_not_json_is_unreadable_not_a_bad_signature(stripe_provider):
    with pytest.raises(UnreadableWebhook):
        _parse(stripe_provider, b"not json")


def test_a_signed_event_without_amount_received_is_applied_from_what_it_carries(stripe_provider):
    event = _parse(
        stripe_provider, _event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
    )

    assert (event.kind, event.provider_ref, event.amount) == ("captured", "pi_1", 0)  # 0: all authorized


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_event("payment_intent.succeeded", {"object": "payment_intent"}), id="no-object-id"),
        pytest.param(
            _event("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1"}), id="refund-no-total"
        ),
        pytest.param(json.dumps({"type": "payment_intent.succeeded"}).encode(), id="no-data"),
        pytest.param(b"[" * 50_000 + b"]" * 50_000, id="deep-array"),
    ],
)
def test_a_signed_event_of_an_unknown_shape_is_unreadable(stripe_provider, body):
    with pytest.raises(UnreadableWebhook):
        _parse(stripe_provider, body)
