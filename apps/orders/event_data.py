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
    line_total: int = field(metadata={"description": "Minor units."})


@dataclass(frozen=True)
class OrderData:
    """An order after the change the event announces."""

    order_id: str = field(metadata=UUID)
    number: str = field(metadata={"description": "Human order number, e.g. 2611-7K3Q-9M2X."})
    customer_id: int
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
