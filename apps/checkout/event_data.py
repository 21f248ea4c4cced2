"""The `data` of every checkout event, as services send it. Stdlib only.

Source of contracts/events/checkout.*.json (`make schema`). Consumers read these fields; changing
them is a contract change.
"""

from dataclasses import dataclass, field

UUID = {"format": "uuid"}
MINOR = {"description": "Minor units."}


@dataclass(frozen=True)
class CheckoutCompletedData:
    """A checkout became an order (published in the order's transaction, beside OrderCreated)."""

    checkout_id: str = field(metadata=UUID)
    order_id: str = field(metadata=UUID)
    customer_id: int = field(metadata={"description": "0 for a guest."})
    currency: str = field(metadata={"description": "ISO 4217."})
    subtotal_amount: int = field(metadata=MINOR)
    shipping_amount: int = field(metadata=MINOR)
    discount_amount: int = field(metadata=MINOR)
    tax_amount: int = field(metadata=MINOR)
    total_amount: int = field(metadata=MINOR)
    voucher_code: str = field(metadata={"description": "'' if none."})


EVENT_DATA = {"checkout.CheckoutCompleted.v1": CheckoutCompletedData}
