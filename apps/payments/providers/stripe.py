"""Stripe, through the official SDK (`stripe.StripeClient`): PaymentIntents with manual capture.

Error mapping, by what the answer means:
- `CardError` (402) -> `Declined(decline_code or code)`: the card was refused.
- `InvalidRequestError` about the customer's payment method (`param == "payment_method"`) or about
  the money's state (`amount_too_large`, `payment_intent_unexpected_state`, `charge_already_*`)
  -> `Declined(code)`: Stripe understood and said no; the same request gets the same answer.
- Every other `InvalidRequestError` (unknown or invalid parameters), `IdempotencyError` (a key
  reused with other parameters), `AuthenticationError` (401) and `PermissionError` (403) ->
  `Rejected(code, request_id)`: our request or our key is wrong, not the customer's card. It must
  never read as a decline; callers log it with Stripe's request id and answer 500-class.
- `APIConnectionError` (timeout, refused), `APIError` (5xx, 409 "a request with this key is in
  flight", unreadable body), `RateLimitError` (429) -> `Unavailable`: no answer or "try later";
  the outcome may be unknown and a retry with the same idempotency key is safe.

Webhooks: the signature is checked on the raw bytes first (`InvalidWebhook` if it fails). A
signed event is Stripe's, so it is applied from the fields it carries; one we cannot read (not
JSON, no id, no object id, a refund without its total) is `UnreadableWebhook`, parked for staff.

Retries and timeout: the SDK makes no retries of its own (`max_network_retries=0`). One retry
would sleep 0.5 s or more and spend a second full timeout, so a web request could wait twice
`timeout`; our callers already retry on `Unavailable` with the same idempotency key, so the
policy lives in one place. `timeout` is split between connecting and reading so the two together
never exceed it (requests' read timeout bounds each wait for bytes; Stripe answers in one piece).
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import stripe
from stripe.params import PaymentIntentCreateParams

from apps.payments.providers.base import (
    Declined,
    InvalidWebhook,
    PaymentProvider,
    ProviderState,
    Rejected,
    Unavailable,
    UnreadableWebhook,
    WebhookEvent,
    signed_json_object,
)

WEBHOOK_TOLERANCE = 300  # seconds, the SDK's default: older signed events are refused as replays

_KINDS = {
    "payment_intent.amount_capturable_updated": "authorized",
    "payment_intent.succeeded": "captured",
    "payment_intent.canceled": "voided",
    "payment_intent.payment_failed": "failed",
    "charge.refunded": "refunded",
}
_AMOUNT_FIELD = {
    "authorized": "amount_capturable",
    "captured": "amount_received",
    "refunded": "amount_refunded",  # the running total, as WebhookEvent wants it
}


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        api_base: str = "https://api.stripe.com",
        timeout: float = 10.0,
    ):
        self.webhook_secret = webhook_secret
        connect = min(timeout / 4, 3.0)  # a TCP/TLS handshake needs little; leave the rest to Stripe
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=stripe.RequestsClient(timeout=(connect, timeout - connect)),
            max_network_retries=0,
        )

    def authorize(self, *, amount, currency, payment_method, idempotency_key, metadata) -> str:
        """Create and confirm a manual-capture PaymentIntent; its id is our provider_ref.
        An intent that is not left `requires_capture` (e.g. `requires_action` for 3-D Secure,
        which we cannot complete server-side) is declined."""
        params: PaymentIntentCreateParams = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "confirm": True,
            "capture_method": "manual",
            # Cards only (README: a decision): no redirect-based methods, since the customer is not on
            # a page we could send back to, and the same request runs against localstripe in tests.
            "payment_method_types": ["card"],
            "metadata": {str(key): str(value) for key, value in metadata.items()},
        }
        with _mapped_errors():
            intent = self._client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key})
        data = intent.to_dict()
        if data["status"] != "requires_capture":
            error = data.get("last_payment_error") or {}
            code = error.get("decline_code") or error.get("code") or data["status"]
            raise Declined(code, error.get("message") or f"The payment intent is {data['status']}.")
        return intent.id

    def capture(self, *, provider_ref, amount, idempotency_key) -> None:
        """Capture `amount`; Stripe releases the rest of the authorization."""
        with _mapped_errors():
            self._client.v1.payment_intents.capture(
                provider_ref, {"amount_to_capture": amount}, {"idempotency_key": idempotency_key}
            )

    def void(self, *, provider_ref, idempotency_key) -> None:
        """Cancel the uncaptured PaymentIntent, releasing the hold on the card."""
        with _mapped_errors():
            self._client.v1.payment_intents.cancel(provider_ref, None, {"idempotency_key": idempotency_key})

    def refund(self, *, provider_ref, amount, idempotency_key) -> str:
        """Refund `amount` of the captured PaymentIntent; returns the refund id (re_...)."""
        with _mapped_errors():
            refund = self._client.v1.refunds.create(
                {"payment_intent": provider_ref, "amount": amount}, {"idempotency_key": idempotency_key}
            )
        return refund.id

    def retrieve(self, *, provider_ref) -> ProviderState:
        """The PaymentIntent now, its charge expanded for the refunded total."""
        with _mapped_errors():
            intent = self._client.v1.payment_intents.retrieve(provider_ref, {"expand": ["latest_charge"]})
        data = intent.to_dict()
        charge = data.get("latest_charge")
        refunded = charge.get("amount_refunded", 0) if isinstance(charge, dict) else 0
        status = _STATES.get(data["status"], "requires_authorization")
        if status == "requires_authorization" and data["status"] == "requires_payment_method":
            status = "failed" if data.get("last_payment_error") else status
        return ProviderState(
            status=status,
            amount_authorized=int(data.get("amount_capturable") or 0),
            amount_captured=int(data.get("amount_received") or 0),
            amount_refunded=int(refunded or 0),
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
        """Verify the `Stripe-Signature` header (default 300 s tolerance against replays) with the
        SDK and normalize the event; None for event types we do not act on."""
        try:
            payload = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                payload, headers.get("Stripe-Signature", ""), self.webhook_secret, WEBHOOK_TOLERANCE
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise InvalidWebhook(f"Stripe webhook rejected: {exc}") from exc
        event = signed_json_object(payload)
        event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
        kind = _KINDS.get(event_type)
        if kind is None and event_type:
            return None
        try:
            obj = (event.get("data") or {})["object"]
            ref = obj.get("payment_intent") if kind == "refunded" else obj.get("id")
            amount = obj.get(_AMOUNT_FIELD[kind]) if kind in _AMOUNT_FIELD else 0
            if not (event_id and kind and ref) or (kind == "refunded" and amount is None):
                raise KeyError("id, type, the object's id, or a refund's amount_refunded")
            error = obj.get("last_payment_error") or {}
            return WebhookEvent(
                event_id=event_id,
                kind=kind,
                # A charge names its PaymentIntent; our provider_ref is always the intent's id.
                provider_ref=str(ref),
                # Missing amounts are 0: a capture then counts as the whole authorization.
                amount=int(amount or 0),
                occurred_at=datetime.fromtimestamp(int(event["created"]), tz=UTC)
                if event.get("created") is not None
                else datetime.now(tz=UTC),
                # decline_code first, as authorize() does, so a decline reads the same either way.
                failure_code=str(error.get("decline_code") or error.get("code") or "")
                if kind == "failed"
                else "",
                payment_id=str((obj.get("metadata") or {}).get("payment_id", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise UnreadableWebhook(
                f"Stripe event without a usable {exc}", event_id=event_id, event_type=event_type
            ) from exc


# PaymentIntent statuses in ours; the rest (confirmation, action, processing) are still pending.
_STATES = {"requires_capture": "authorized", "succeeded": "captured", "canceled": "voided"}

# InvalidRequestError codes that are Stripe saying no about the money or the customer's method.
_REFUSALS = {
    "amount_too_large",
    "amount_too_small",
    "payment_intent_unexpected_state",
    "charge_already_captured",
    "charge_already_refunded",
    "charge_disputed",
    "charge_expired_for_capture",
}


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """Translate the SDK's exceptions into the provider interface's (see the module docstring)."""
    try:
        yield
    except stripe.CardError as exc:
        decline_code = getattr(exc.error, "decline_code", None) if exc.error else None
        raise Declined(decline_code or exc.code or "card_declined", _message(exc)) from exc
    except stripe.InvalidRequestError as exc:
        if exc.code in _REFUSALS or getattr(exc, "param", None) == "payment_method":
            raise Declined(exc.code or "invalid_request", _message(exc)) from exc
        raise Rejected(exc.code or "invalid_request", _message(exc), exc.request_id or "") from exc
    except (stripe.IdempotencyError, stripe.AuthenticationError, stripe.PermissionError) as exc:
        code = exc.code or type(exc).__name__
        raise Rejected(code, _message(exc), exc.request_id or "") from exc
    except stripe.StripeError as exc:  # connection, 5xx/409, 429: see the module docstring
        raise Unavailable(f"Stripe {type(exc).__name__}: {_message(exc)}") from exc


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc)
