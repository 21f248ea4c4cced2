"""StripeProvider with the official SDK, over real HTTP to a Stripe fake.

Tests taking `stripe_target` run twice: against the hand-written stand-in and against localstripe
(an independent fake from PyPI, unpatched). Tests taking `stripe_standin` run against the stand-in
only, each saying what localstripe lacks for it (LOCALSTRIPE_LACKS): the stand-in covers that case.
"""

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
from tests.payments.conftest import (
    STRIPE_EVENT_CREATED,
    STRIPE_TIMEOUT,
    STRIPE_WEBHOOK_SECRET,
    StripeTarget,
    stripe_event,
    stripe_signature,
)

# Why a case runs against the stand-in only (localstripe 1.15.10, as installed):
NO_IDEMPOTENCY = "localstripe ignores Idempotency-Key: a retry makes a second object"
NO_ERROR_CODES = "localstripe answers refusals as a bare 400 'Bad request' (no code): we read it as Rejected"
NO_AMOUNTS = "localstripe's PaymentIntent has no amount_received/amount_capturable, and books a capture's uncaptured rest as a refund"
NO_OVER_REFUND_CHECK = "localstripe accepts a refund above what is left on the charge"
NO_SUCH_WEBHOOK = "localstripe sends no such event (only payment_intent.succeeded and .payment_failed here)"
NO_SUCH_CARD = "localstripe has no insufficient-funds card, and keeps no intent for a card declined at once"
NO_FAULTS = "the stand-in's switches (hang, 500) have no localstripe equivalent"
RECORDS_REQUESTS = "only the stand-in records the requests it received"
SETTINGS_WIRING = "checks the settings wiring, which is the same whatever answers"


def standin_only(*reasons: str):
    """What localstripe lacks for this case: the test runs against the stand-in alone."""
    return pytest.mark.stripe_standin_only(reason="; ".join(reasons))


def _authorize(
    provider: StripeProvider,
    *,
    amount: int = 5000,
    key: str = "auth-1",
    pm: str = "pm_card_visa",
    payment_id: str = "7",
):
    return provider.authorize(
        amount=amount,
        currency="EUR",
        payment_method=pm,
        idempotency_key=key,
        metadata={"order_id": 42, "payment_id": payment_id},
    )


def _captured(provider: StripeProvider, amount: int = 5000) -> str:
    ref = _authorize(provider, amount=amount)
    provider.capture(provider_ref=ref, amount=amount, idempotency_key="cap-1")
    return ref


# --- authorize -------------------------------------------------------------------------


def test_authorize_leaves_a_confirmed_manual_capture_intent(stripe_target: StripeTarget):
    ref = _authorize(stripe_target.provider(), amount=1999)

    intent = stripe_target.intent(ref)
    assert ref.startswith("pi_") and intent["id"] == ref
    assert (intent["status"], intent["amount"], intent["currency"], intent["capture_method"]) == (
        "requires_capture",
        1999,
        "eur",
        "manual",
    )
    assert intent["metadata"] == {"order_id": "42", "payment_id": "7"}


@standin_only(RECORDS_REQUESTS)
def test_authorize_sends_cards_only_with_our_key(stripe_provider, stripe_standin):
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
        "payment_method_types": {"0": "card"},  # not automatic_payment_methods: see the README
        "metadata": {"order_id": "42", "payment_id": "7"},
    }
    assert request.headers["idempotency-key"] == "auth-1"
    assert request.headers["authorization"] == "Bearer sk_test_standin"


@standin_only(NO_IDEMPOTENCY)
def test_authorize_twice_with_one_key_makes_one_intent(stripe_provider, stripe_standin):
    first = _authorize(stripe_provider, key="auth-same")
    second = _authorize(stripe_provider, key="auth-same")

    assert second == first
    assert list(stripe_standin.intents) == [first]
    assert [r.headers["idempotency-key"] for r in stripe_standin.requests] == ["auth-same", "auth-same"]


def test_a_refused_card_is_declined_with_its_code(stripe_target: StripeTarget):
    with pytest.raises(Declined) as declined:
        _authorize(stripe_target.provider(), pm=stripe_target.declined_card)

    assert (declined.value.code, declined.value.message) == (
        stripe_target.decline_code,
        "Your card was declined.",
    )


@pytest.mark.parametrize(
    ("payment_method", "code", "message"),
    [
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
@standin_only(NO_SUCH_CARD)
def test_a_refused_card_is_declined_with_the_decline_code(
    stripe_provider, stripe_standin, payment_method, code, message
):
    with pytest.raises(Declined) as declined:
        _authorize(stripe_provider, pm=payment_method)

    assert (declined.value.code, declined.value.message) == (code, message)
    [intent] = stripe_standin.intents.values()
    assert intent["status"] == "requires_payment_method"


@standin_only(NO_ERROR_CODES)
def test_an_unknown_payment_method_is_declined_not_unavailable(stripe_provider, stripe_standin):
    with pytest.raises(Declined) as declined:
        _authorize(stripe_provider, pm="pm_does_not_exist")

    assert (declined.value.code, declined.value.message) == (
        "resource_missing",
        "No such PaymentMethod: 'pm_does_not_exist'",
    )
    assert stripe_standin.intents == {}


@standin_only(NO_FAULTS)
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


@standin_only(NO_FAULTS)
def test_a_server_error_is_unavailable_without_an_sdk_retry(stripe_provider, stripe_standin):
    stripe_standin.fail_next = 1

    with pytest.raises(Unavailable):
        _authorize(stripe_provider)

    assert len(stripe_standin.requests) == 1
    assert stripe_standin.intents == {}


def test_a_wrong_api_key_is_our_mistake_not_a_decline_nor_an_outage(stripe_target: StripeTarget):
    # The stand-in knows one key; localstripe accepts any secret key: neither takes a publishable one.
    wrong = "pk_test_wrong" if stripe_target.name == "localstripe" else "sk_test_wrong"
    provider = StripeProvider(
        api_key=wrong, webhook_secret=STRIPE_WEBHOOK_SECRET, api_base=stripe_target.url, timeout=1
    )

    with pytest.raises(Rejected, match="AuthenticationError"):
        _authorize(provider)


@standin_only(SETTINGS_WIRING)
def test_get_provider_reaches_the_standin_through_settings(stripe_settings, stripe_standin):
    provider = get_provider("stripe")

    ref = _authorize(provider)

    assert isinstance(provider.wrapped, StripeProvider)
    assert list(stripe_standin.intents) == [ref]


# --- capture, void, refund -------------------------------------------------------------


@pytest.mark.parametrize("amount", [5000, 3000], ids=["whole", "part"])
def test_capture_takes_the_money(stripe_target: StripeTarget, amount):
    provider = stripe_target.provider()
    ref = _authorize(provider, amount=5000)

    provider.capture(provider_ref=ref, amount=amount, idempotency_key="cap-1")

    intent = stripe_target.intent(ref)
    assert (intent["status"], intent["latest_charge"]["captured"]) == ("succeeded", True)
    assert provider.retrieve(provider_ref=ref).status == "captured"


@standin_only(NO_AMOUNTS, RECORDS_REQUESTS)
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


@standin_only(NO_IDEMPOTENCY)
def test_capture_retried_with_its_key_captures_once(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=5000)

    stripe_provider.capture(provider_ref=ref, amount=5000, idempotency_key="cap-1")
    stripe_provider.capture(provider_ref=ref, amount=5000, idempotency_key="cap-1")

    assert stripe_standin.intents[ref]["amount_received"] == 5000
    assert stripe_standin.charges[stripe_standin.intents[ref]["latest_charge"]]["amount_captured"] == 5000


@standin_only(NO_ERROR_CODES)
def test_capture_above_the_authorization_is_declined(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider, amount=5000)

    with pytest.raises(Declined) as declined:
        stripe_provider.capture(provider_ref=ref, amount=5001, idempotency_key="cap-1")

    assert declined.value.code == "amount_too_large"
    assert stripe_standin.intents[ref]["status"] == "requires_capture"


def test_void_releases_the_authorization(stripe_target: StripeTarget):
    provider = stripe_target.provider()
    ref = _authorize(provider)

    provider.void(provider_ref=ref, idempotency_key="void-1")

    assert stripe_target.intent(ref)["status"] == "canceled"
    assert provider.retrieve(provider_ref=ref).status == "voided"


@standin_only(NO_AMOUNTS, RECORDS_REQUESTS)
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


@standin_only(NO_ERROR_CODES)
def test_void_after_capture_is_declined(stripe_provider):
    ref = _captured(stripe_provider)

    with pytest.raises(Declined) as declined:
        stripe_provider.void(provider_ref=ref, idempotency_key="void-1")

    assert declined.value.code == "payment_intent_unexpected_state"


@standin_only(NO_ERROR_CODES)
def test_capture_of_an_unknown_intent_is_our_mistake_with_stripes_request_id(stripe_provider):
    with pytest.raises(Rejected) as rejected:
        stripe_provider.capture(provider_ref="pi_missing", amount=100, idempotency_key="cap-1")

    assert (rejected.value.code, rejected.value.message) == (
        "resource_missing",
        "No such payment_intent: 'pi_missing'",
    )
    assert rejected.value.request_id.startswith("req_")


def test_partial_refunds_add_up_on_the_charge(stripe_target: StripeTarget):
    provider = stripe_target.provider()
    ref = _authorize(provider, amount=5000)
    provider.capture(provider_ref=ref, amount=5000, idempotency_key="cap-1")

    first = provider.refund(provider_ref=ref, amount=2000, idempotency_key="ref-1")
    second = provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-2")

    assert first.startswith("re_") and second.startswith("re_") and first != second
    assert stripe_target.intent(ref)["latest_charge"]["amount_refunded"] == 3500
    assert provider.retrieve(provider_ref=ref).amount_refunded == 3500


@standin_only(NO_OVER_REFUND_CHECK)
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


@standin_only(NO_IDEMPOTENCY)
def test_refund_retried_with_its_key_refunds_once(stripe_provider, stripe_standin):
    ref = _captured(stripe_provider, amount=5000)

    first = stripe_provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-1")
    again = stripe_provider.refund(provider_ref=ref, amount=1500, idempotency_key="ref-1")

    assert again == first
    assert list(stripe_standin.refunds) == [first]


@standin_only(NO_ERROR_CODES)
def test_refund_of_an_uncaptured_intent_is_declined(stripe_provider):
    ref = _authorize(stripe_provider)

    with pytest.raises(Declined) as declined:
        stripe_provider.refund(provider_ref=ref, amount=100, idempotency_key="ref-1")

    assert declined.value.code == "payment_intent_unexpected_state"


# --- webhooks --------------------------------------------------------------------------


_event = stripe_event


def _parse(provider: StripeProvider, body: bytes, signature: str | None = None) -> WebhookEvent | None:
    # Django's request.headers: case-insensitive, as the webhook view passes it.
    headers = HttpHeaders({"HTTP_STRIPE_SIGNATURE": signature or stripe_signature(body)})
    return provider.parse_webhook(body=body, headers=headers)


def test_a_capture_webhook_verifies_and_reads_as_captured(stripe_target: StripeTarget):
    provider = stripe_target.provider()
    ref = _authorize(provider, amount=5000)
    provider.capture(provider_ref=ref, amount=3000, idempotency_key="cap-1")

    event = _parse(provider, *stripe_target.webhook("payment_intent.succeeded", ref))

    assert (event.kind, event.provider_ref, event.payment_id) == ("captured", ref, "7")
    # localstripe's intent carries no amount_received: 0, which we apply as the whole authorization
    assert event.amount == (3000 if stripe_target.name == "standin" else 0)


def test_a_failed_payment_webhook_carries_the_code(stripe_target: StripeTarget):
    provider = stripe_target.provider()
    with pytest.raises(Declined):
        _authorize(provider, pm=stripe_target.declined_card, payment_id="failed-1")
    ref = stripe_target.intent_of_payment("failed-1")["id"]

    event = _parse(provider, *stripe_target.webhook("payment_intent.payment_failed", ref))

    assert (event.kind, event.provider_ref, event.failure_code, event.payment_id) == (
        "failed",
        ref,
        stripe_target.decline_code,
        "failed-1",
    )


@standin_only(NO_SUCH_WEBHOOK, NO_AMOUNTS)
def test_webhooks_for_an_intent_map_to_our_kinds(stripe_provider, stripe_standin):
    # The event objects are the stand-in's own intents, so they have Stripe's shape.
    ref = _authorize(stripe_provider, amount=5000)
    authorized = dict(stripe_standin.intents[ref])
    stripe_provider.capture(provider_ref=ref, amount=3000, idempotency_key="cap-1")
    captured = dict(stripe_standin.intents[ref])
    at = datetime.fromtimestamp(STRIPE_EVENT_CREATED, tz=UTC)

    assert _parse(stripe_provider, _event("payment_intent.amount_capturable_updated", authorized)) == (
        WebhookEvent(
            event_id="evt_1", kind="authorized", provider_ref=ref, amount=5000, occurred_at=at, payment_id="7"
        )
    )
    assert _parse(stripe_provider, _event("payment_intent.succeeded", captured, "evt_2")) == WebhookEvent(
        event_id="evt_2", kind="captured", provider_ref=ref, amount=3000, occurred_at=at, payment_id="7"
    )


@standin_only(NO_SUCH_WEBHOOK)
def test_webhook_for_a_voided_intent(stripe_provider, stripe_standin):
    ref = _authorize(stripe_provider)
    stripe_provider.void(provider_ref=ref, idempotency_key="void-1")

    event = _parse(stripe_provider, _event("payment_intent.canceled", stripe_standin.intents[ref]))

    assert event == WebhookEvent(
        event_id="evt_1",
        kind="voided",
        provider_ref=ref,
        amount=0,
        occurred_at=datetime.fromtimestamp(STRIPE_EVENT_CREATED, tz=UTC),
        payment_id="7",  # our id, echoed from the intent's metadata
    )


@standin_only(NO_SUCH_WEBHOOK)
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
        occurred_at=datetime.fromtimestamp(STRIPE_EVENT_CREATED, tz=UTC),
    )


# --- parsing and verifying alone: no Stripe API is involved -------------------------------


@pytest.fixture
def webhook_parser() -> StripeProvider:
    return StripeProvider(
        api_key="sk_test_unused", webhook_secret=STRIPE_WEBHOOK_SECRET, api_base="http://127.0.0.1:9"
    )


def test_webhook_of_another_type_is_ignored(webhook_parser):
    assert _parse(webhook_parser, _event("customer.created", {"id": "cus_1", "object": "customer"})) is None


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
def test_a_webhook_that_does_not_verify_is_invalid(webhook_parser, signature):
    body = _event(
        "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", "amount_received": 5000}
    )

    with pytest.raises(InvalidWebhook):
        _parse(webhook_parser, body, signature(body))


def test_a_webhook_without_a_signature_header_is_invalid(webhook_parser):
    body = _event("payment_intent.succeeded", {"id": "pi_1", "amount_received": 5000})

    with pytest.raises(InvalidWebhook):
        webhook_parser.parse_webhook(body=body, headers={})


def test_a_signed_body_that_is_not_json_is_unreadable_not_a_bad_signature(webhook_parser):
    with pytest.raises(UnreadableWebhook):
        _parse(webhook_parser, b"not json")


def test_a_signed_event_without_amount_received_is_applied_from_what_it_carries(webhook_parser):
    event = _parse(
        webhook_parser, _event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
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
def test_a_signed_event_of_an_unknown_shape_is_unreadable(webhook_parser, body):
    with pytest.raises(UnreadableWebhook):
        _parse(webhook_parser, body)
