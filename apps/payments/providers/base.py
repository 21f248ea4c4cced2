"""The one interface every payment provider implements.

Providers are stateless adapters: the payment's state lives in our `Payment` row. Every call
that moves money carries an idempotency key the provider honours, so a retry after a timeout
can never charge twice.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


class ProviderError(Exception):
    """Base of everything a provider call may raise."""


class Declined(ProviderError):
    """The provider refused: a final answer about this payment method or operation."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class Unavailable(ProviderError):
    """No answer (timeout, connection error, 5xx): the outcome is unknown, retry with the same key."""


class Rejected(ProviderError):
    """The provider refused the request itself (invalid parameters, a bad API key, an idempotency
    key reused with other parameters): our bug or configuration, never the customer's card. The
    same request gets the same answer; `request_id` is the provider's, for its support and logs."""

    def __init__(self, code: str, message: str, request_id: str = ""):
        self.code = code
        self.message = message
        self.request_id = request_id
        super().__init__(f"{code}: {message}")


class InvalidWebhook(ProviderError):
    """A webhook whose signature does not check out: not from the provider, or altered."""


class UnreadableWebhook(ProviderError):
    """A correctly signed webhook whose body we cannot read (not JSON, or a shape we do not know):
    it is the provider's, so it is kept for staff (ParkedWebhook) rather than refused."""

    def __init__(self, reason: str, *, event_id: str = "", event_type: str = ""):
        self.reason = reason
        self.event_id = event_id
        self.event_type = event_type
        super().__init__(reason)


def signed_json_object(body: bytes | str) -> dict:
    """The JSON object of a webhook whose signature already checked out; anything else is
    UnreadableWebhook (parked), never a bad signature."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnreadableWebhook(f"signed body is not JSON: {type(exc).__name__}") from None
    if not isinstance(event, dict):
        raise UnreadableWebhook("signed body is not a JSON object")
    return event


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A provider callback, normalized.

    kind: "authorized", "captured", "voided", "failed" or "refunded".
    amount: for "captured" the amount captured, for "refunded" the total refunded so far.
    """

    event_id: str
    kind: str
    provider_ref: str
    amount: int
    occurred_at: datetime
    failure_code: str = ""
    # Our payment id, when the provider echoes it (metadata): finds a payment whose provider_ref
    # we never learned because the authorize call timed out.
    payment_id: str = ""


@dataclass(frozen=True, slots=True)
class ProviderState:
    """What the provider says about a payment now (reconciliation compares it with ours).

    status: one of our statuses: "requires_authorization", "authorized", "captured", "voided",
    "failed". Amounts are minor units; amount_refunded is the total refunded so far.
    """

    status: str
    amount_authorized: int
    amount_captured: int
    amount_refunded: int


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def authorize(
        self, *, amount: int, currency: str, payment_method: str, idempotency_key: str, metadata: dict
    ) -> str:
        """Authorize (manual capture) `amount`; returns the provider's reference for the payment."""

    @abstractmethod
    def capture(self, *, provider_ref: str, amount: int, idempotency_key: str) -> None:
        """Capture `amount` (≤ authorized); the rest of the authorization is released."""

    @abstractmethod
    def void(self, *, provider_ref: str, idempotency_key: str) -> None:
        """Cancel an uncaptured authorization."""

    @abstractmethod
    def refund(self, *, provider_ref: str, amount: int, idempotency_key: str) -> str:
        """Refund part or all of what was captured; returns the provider's refund reference."""

    def retrieve(self, *, provider_ref: str) -> ProviderState | None:
        """The payment's state at the provider; None for a provider that keeps none to ask about.
        Raises Unavailable when it does not answer."""
        return None

    @abstractmethod
    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
        """Verify and parse a callback; None for event types we do not act on.
        Raises InvalidWebhook when the signature is wrong, UnreadableWebhook when it is right but
        the body is not something we can apply."""
