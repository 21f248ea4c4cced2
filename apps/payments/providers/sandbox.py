"""A deterministic in-process provider for demos and tests: the payment method decides the outcome.

| payment_method                    | outcome                                              |
|-----------------------------------|------------------------------------------------------|
| `pm_sandbox_ok`                   | authorized; captures, voids and refunds succeed       |
| `pm_sandbox_declined`             | declined, code `card_declined`                       |
| `pm_sandbox_insufficient_funds`   | declined, code `insufficient_funds`                  |
| `pm_sandbox_timeout`              | the provider does not answer (`Unavailable`)         |
| `pm_sandbox_capture_fails`        | authorized; the capture is declined (`capture_failed`) |
| `pm_sandbox_rejected`             | the request itself is refused (`Rejected`, our bug)  |

Anything else is declined with `payment_method_unknown`. Webhooks are JSON signed with
HMAC-SHA256 in a `Sandbox-Signature: t=<unix time>,v1=<hex>` header over "<t>.<body>".
"""

import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from apps.payments.providers.base import (
    Declined,
    InvalidWebhook,
    PaymentProvider,
    Rejected,
    Unavailable,
    UnreadableWebhook,
    WebhookEvent,
    signed_json_object,
)

OK = "pm_sandbox_ok"
DECLINED = "pm_sandbox_declined"
INSUFFICIENT_FUNDS = "pm_sandbox_insufficient_funds"
TIMEOUT = "pm_sandbox_timeout"
CAPTURE_FAILS = "pm_sandbox_capture_fails"
REJECTED = "pm_sandbox_rejected"

_DECLINES = {
    DECLINED: ("card_declined", "The card was declined."),
    INSUFFICIENT_FUNDS: ("insufficient_funds", "The card has insufficient funds."),
}
_KINDS = {
    "payment.authorized": "authorized",
    "payment.captured": "captured",
    "payment.voided": "voided",
    "payment.failed": "failed",
    "payment.refunded": "refunded",
}
SIGNATURE_TOLERANCE = 300  # seconds; older signed callbacks are refused as replays


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def __init__(self, *, webhook_secret: str):
        self.webhook_secret = webhook_secret

    def authorize(self, *, amount, currency, payment_method, idempotency_key, metadata) -> str:
        if payment_method == TIMEOUT:
            raise Unavailable("sandbox provider timed out")
        if payment_method == REJECTED:
            raise Rejected(
                "parameter_unknown",
                "Received unknown parameter: automatic_payment_methods",
                request_id=f"req_sbx_{_digest(idempotency_key)[:14]}",
            )
        if payment_method in _DECLINES:
            raise Declined(*_DECLINES[payment_method])
        if payment_method not in (OK, CAPTURE_FAILS):
            raise Declined("payment_method_unknown", f"{payment_method!r} is not a sandbox payment method.")
        tag = "capfail" if payment_method == CAPTURE_FAILS else "ok"
        return f"sbx_{tag}_{_digest(idempotency_key)}"

    def capture(self, *, provider_ref, amount, idempotency_key) -> None:
        if provider_ref.startswith("sbx_capfail_"):
            raise Declined("capture_failed", "The sandbox refused to capture this payment.")

    def void(self, *, provider_ref, idempotency_key) -> None:
        return None

    def refund(self, *, provider_ref, amount, idempotency_key) -> str:
        return f"sbx_re_{_digest(idempotency_key)}"

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
        self._verify(body, headers.get("Sandbox-Signature", ""))
        # Signed by the sandbox from here on: whatever is wrong is parked, not refused.
        event = signed_json_object(body)
        event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
        kind = _KINDS.get(event_type)
        if kind is None and event_type:
            return None
        try:
            return WebhookEvent(
                event_id=event_id or _missing("id"),
                kind=kind or _missing("type"),
                provider_ref=str(event.get("payment") or _missing("payment")),
                amount=int(event.get("amount") or 0),
                occurred_at=datetime.fromtimestamp(int(event["created"]), tz=UTC)
                if "created" in event
                else datetime.now(tz=UTC),
                failure_code=str(event.get("failure_code", "")),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise UnreadableWebhook(
                f"sandbox event without a usable {exc}", event_id=event_id, event_type=event_type
            ) from exc

    def sign(self, body: bytes, *, timestamp: int | None = None) -> str:
        """The Sandbox-Signature header value for `body` (demos and tests send callbacks with it)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        return f"t={timestamp},v1={self._mac(timestamp, body)}"

    def _verify(self, body: bytes, header: str) -> None:
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts["t"])
        except (KeyError, ValueError):
            raise InvalidWebhook("missing or malformed Sandbox-Signature header") from None
        if abs(time.time() - timestamp) > SIGNATURE_TOLERANCE:
            raise InvalidWebhook("signature timestamp outside the tolerance")
        if not hmac.compare_digest(parts.get("v1", ""), self._mac(timestamp, body)):
            raise InvalidWebhook("signature does not match")

    def _mac(self, timestamp: int, body: bytes) -> str:
        message = str(timestamp).encode() + b"." + body
        return hmac.new(self.webhook_secret.encode(), message, hashlib.sha256).hexdigest()


def _missing(field: str):
    raise KeyError(field)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]
