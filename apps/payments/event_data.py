"""The `data` of every payments event, as services send it. Stdlib only.

Source of contracts/events/payments.*.json (`make schema` regenerates them; a test fails when
the committed files drift). Consumers read these fields; changing them is a contract change.
"""

from dataclasses import dataclass, field

UUID = {"format": "uuid"}
STATUSES = [
    "requires_authorization",
    "authorized",
    "captured",
    "partially_refunded",
    "refunded",
    "voided",
    "failed",
]


@dataclass(frozen=True)
class PaymentData:
    """A payment after the change the event announces. Amounts in minor units."""

    payment_id: str = field(metadata=UUID)
    order_id: str = field(metadata=UUID)
    provider: str
    status: str = field(metadata={"enum": STATUSES})
    currency: str = field(metadata={"description": "ISO 4217."})
    amount_authorized: int
    amount_captured: int
    amount_refunded: int


@dataclass(frozen=True)
class PaymentCapturedData(PaymentData):
    captured: int = field(metadata={"description": "What this capture took (minor units)."})


@dataclass(frozen=True)
class PaymentRefundedData(PaymentData):
    refunded: int = field(metadata={"description": "What this refund gave back (minor units)."})
    fully_refunded: bool


@dataclass(frozen=True)
class PaymentFailedData(PaymentData):
    failure_code: str = field(metadata={"description": "The provider's code, e.g. card_declined."})


EVENT_DATA = {
    "payments.PaymentAuthorized.v1": PaymentData,
    "payments.PaymentCaptured.v1": PaymentCapturedData,
    "payments.PaymentRefunded.v1": PaymentRefundedData,
    "payments.PaymentFailed.v1": PaymentFailedData,
    # The payment stays authorized (capture may be retried); failure_code says why it was refused.
    "payments.PaymentCaptureFailed.v1": PaymentFailedData,
    "payments.PaymentVoided.v1": PaymentData,
}
