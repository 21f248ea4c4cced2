"""What other modules may know about payments. Stdlib only."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PaymentSummary:
    id: str
    order_id: str
    provider: str
    status: str  # requires_authorization, authorized, captured, partially_refunded, refunded, voided, failed
    currency: str
    amount: int
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    failure_code: str
    failure_message: str
    version: int


@dataclass(frozen=True, slots=True)
class PaymentCursor:
    """Keyset position in payments ordered by (created_at, id): the last row of a page."""

    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A payment as a read model needs it (backfill), with the times its money moved."""

    id: str
    order_id: str
    provider: str
    status: str
    currency: str
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    failure_code: str
    version: int
    created_at: datetime
    updated_at: datetime
    captured_at: datetime | None
    last_refunded_at: datetime | None


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """One refund of a payment, partial or full."""

    payment_id: str
    amount: int
    currency: str
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentState:
    """Where a payment's money stands, and at which version of the payment (read models)."""

    status: str
    amount_captured: int
    amount_refunded: int
    version: int
    capture_failed: bool = False  # authorized, but the provider refused the capture


@dataclass(frozen=True, slots=True)
class PaymentPage:
    records: tuple[PaymentRecord, ...]
    next: PaymentCursor | None  # None: this was the last page


class PaymentError(Exception):
    """Base of the payments module's expected failures."""


class PaymentDeclined(PaymentError):
    """The provider said no (card declined, insufficient funds, capture refused)."""

    def __init__(self, code: str, message: str, payment_id: str | None = None):
        self.code = code
        self.message = message
        self.payment_id = payment_id
        super().__init__(f"{code}: {message}")


class ProviderRejectedRequest(PaymentError):
    """The provider refused our request as such (bad parameters, a wrong key): a bug or a
    misconfiguration on our side, logged and alerted with the provider's request id. Never a
    decline: nothing about the customer's card is known. Nothing was charged."""

    def __init__(self, code: str, request_id: str = "", payment_id: str | None = None):
        self.code = code
        self.request_id = request_id
        self.payment_id = payment_id
        super().__init__(f"provider rejected our request: {code} (request {request_id or 'unknown'})")


class ProviderUnavailable(PaymentError):
    """The provider did not answer; the same request may be retried with the same key."""


class UnknownProvider(PaymentError):
    """No provider of that name is enabled."""


class PaymentStateConflict(PaymentError):
    """The payment's status does not allow this operation (or a concurrent update won)."""

    def __init__(self, message: str, status: str):
        self.status = status
        super().__init__(message)


class PaymentAmountChanged(PaymentError):
    """An authorization asked again under the same idempotency key, for another amount (a retry
    re-priced after a price change): the key's payment holds the first amount, so nothing is
    authorized or reused; a new key pays the new amount."""

    def __init__(self, *, payment_id: str, authorized: int, total: int, currency: str):
        self.payment_id, self.authorized, self.total, self.currency = payment_id, authorized, total, currency
        super().__init__(f"The total is now {total}; this request's payment was authorized for {authorized}.")


class AmountInvalid(PaymentError):
    """An amount outside what the payment allows (e.g. a refund above what is left)."""


@dataclass(frozen=True, slots=True)
class PaymentActivity:
    """One thing that happened to a payment's money, for an order's timeline."""

    kind: str  # authorized, authorization_failed, captured, capture_failed, refunded, voided
    amount: int
    currency: str
    at: datetime
    detail: str = ""  # a refund's reason, a failure's code and message
    actor: str = ""  # who refunded


@dataclass(frozen=True, slots=True)
class PaymentAttention:
    """Payments staff must look at: refused captures (still authorized) and authorizations left
    waiting for the provider's answer longer than they should."""

    capture_failed_order_ids: tuple[str, ...]
    stuck_order_ids: tuple[str, ...]
