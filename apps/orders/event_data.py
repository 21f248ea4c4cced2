"""The `data` of every orders event, as services send it. Stdlib only.

Source of contracts/events/orders.*.json (`make schema` regenerates them; a test fails when
the committed files drift). Consumers read these fields; changing them is a contract change.
"""

from dataclasses import dataclass, field

UUID = {"format": "uuid"}


@dataclass(frozen=True)
class OrderLineData:
    sku: str
    name: str
    unit_price: int = field(metadata={"description": "Minor units, as at order time."})
    quantity: int = field(metadata={"minimum": 1})
    line_total: int = field(metadata={"description": "Minor units, before the discount."})
    discount_amount: int = field(default=0, metadata={"description": "This line's share of the discount."})
    tax_amount: int = field(default=0, metadata={"description": "Minor units, rounded half-up per line."})


@dataclass(frozen=True)
class OrderData:
    """An order after the change the event announces."""

    order_id: str = field(metadata=UUID)
    number: str = field(metadata={"description": "Human order number, e.g. 2611-7K3Q-9M2X."})
    customer_id: int = field(metadata={"description": "0 for a guest's order."})
    status: str = field(
        metadata={"enum": ["placed", "paid", "shipped", "delivered", "cancelled", "refunded"]}
    )
    currency: str = field(metadata={"description": "ISO 4217."})
    total_amount: int = field(metadata={"description": "Minor units."})
    item_count: int
    payment_id: str | None = field(metadata=UUID)


@dataclass(frozen=True)
class OrderCreatedData(OrderData):
    """A placed order: payment authorized, stock committed."""

    lines: list[OrderLineData]
    # Optional (added compatibly): checkout orders fill them; absent in older events.
    subtotal_amount: int = field(default=0, metadata={"description": "Lines before discount, minor units."})
    shipping_method: str = field(default="", metadata={"description": "Name as at placement ('' if none)."})
    shipping_amount: int = field(default=0, metadata={"description": "Minor units."})
    discount_amount: int = field(default=0, metadata={"description": "Minor units."})
    tax_amount: int = field(
        default=0, metadata={"description": "Lines' and shipping's tax, minor units (in the total)."}
    )
    voucher_code: str = field(default="", metadata={"description": "'' if none."})
    shipping_tax_amount: int = field(
        default=0, metadata={"description": "The part of tax_amount on shipping, minor units."}
    )
    prices_include_tax: bool = field(
        default=True,
        metadata={"description": "Amounts are gross (tax inside them) or net (tax added to the total)."},
    )


@dataclass(frozen=True)
class OrderChangedData(OrderData):
    """An order that moved to another status."""

    reason: str = field(metadata={"description": "Why, as given by whoever moved it ('' if nobody said)."})


@dataclass(frozen=True)
class OrderShippedData(OrderChangedData):
    """A shipped order."""

    carrier: str
    tracking_number: str


EVENT_DATA = {
    "orders.OrderCreated.v1": OrderCreatedData,
    "orders.OrderPaid.v1": OrderChangedData,
    "orders.OrderShipped.v1": OrderShippedData,
    "orders.OrderDelivered.v1": OrderChangedData,
    "orders.OrderCancelled.v1": OrderChangedData,
    "orders.OrderRefunded.v1": OrderChangedData,
}
