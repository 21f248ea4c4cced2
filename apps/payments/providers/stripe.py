"""Stripe, through the official SDK (`stripe.StripeClient`): PaymentIntents with manual capture.

Error mapping: the question is "would sending the same request again change the answer?"
- `CardError` (402) -> `Declined(decline_code or code)`: the card was refused.
- `InvalidRequestError` (400/404), `IdempotencyError` -> `Declined(code)`: Stripe understood and
  said no (a payment method that does not exist: `resource_missing`; an intent in the wrong state:
  `payment_intent_unexpected_state`; a capture or refund above what is left: `amount_too_large`).
  The same request gets the same answer, so "outcome unknown, retry" would be a lie that makes
  callers retry forever.
- `APIConnectionError` (timeout, refused), `APIError` (5xx, 409 "a request with this key is in
  flight", unreadable body), `RateLimitError` (429) -> `Unavailable`: no answer or "try later";
  the outcome may be unknown and a retry with the same idempotency key is safe.
- `AuthenticationError` (401), `PermissionError` (403) -> `Unavailable`: our key is wrong, not the
  customer's card, so the payment must not be marked failed; a retry works once the key is fixed.

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

from apps.payments.providers.base import Declined, InvalidWebhook, PaymentProvider, Unavailable, WebhookEvent

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
            # No redirect-based methods: the customer is not on a page we could send back to.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
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

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
        """Verify the `Stripe-Signature` header (default 300 s tolerance against replays) with the
        SDK and normalize the event; None for event types we do not act on."""
        try:
            event = self._client.construct_event(
                body, headers.get("Stripe-Signature", ""), self.webhook_secret
            ).to_dict()
        except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError: not JSON / UTF-8
            raise InvalidWebhook(f"Stripe webhook rejected: {exc}") from exc
        kind = _KINDS.get(event.get("type", ""))
        if kind is None:
            return None
        try:
            obj = event["data"]["object"]
            error = obj.get("last_payment_error") or {}
            return WebhookEvent(
                event_id=str(event["id"]),
                kind=kind,
                # A charge names its PaymentIntent; our provider_ref is always the intent's id.
                provider_ref=str(obj["payment_intent"] if kind == "refunded" else obj["id"]),
                amount=int(obj[_AMOUNT_FIELD[kind]]) if kind in _AMOUNT_FIELD else 0,
                occurred_at=datetime.fromtimestamp(int(event["created"]), tz=UTC),
                # decline_code first, as authorize() does, so a decline reads the same either way.
                failure_code=str(error.get("decline_code") or error.get("code") or "")
                if kind == "failed"
                else "",
                payment_id=str((obj.get("metadata") or {}).get("payment_id", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidWebhook(f"malformed Stripe event: {exc!r}") from exc


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """Translate the SDK's exceptions into the provider interface's (see the module docstring)."""
    try:
        yield
    except stripe.CardError as exc:
        decline_code = getattr(exc.error, "decline_code", None) if exc.error else None
        raise Declined(decline_code or exc.code or "card_declined", _message(exc)) from exc
    except stripe.InvalidRequestError as exc:
        raise Declined(exc.code or "invalid_request", _message(exc)) from exc
    except stripe.IdempotencyError as exc:
        raise Declined("idempotency_error", _message(exc)) from exc
    except stripe.StripeError as exc:  # connection, 5xx/409, 429, 401/403: see the module docstring
        raise Unavailable(f"Stripe {type(exc).__name__}: {_message(exc)}") from exc


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc)
