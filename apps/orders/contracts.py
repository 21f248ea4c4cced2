"""What other modules may know about orders: frozen, stdlib-only dataclasses and errors."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    email: str


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes an order: shown in its status history."""

    label: str  # "customer 12 <a@b.c>", "staff 3 <x@y.z>", "system"

    @classmethod
    def of(cls, user, *, staff: bool) -> "Actor":
        return cls(f"{'staff' if staff else 'customer'} {user.pk} <{user.email}>")


SYSTEM = Actor("system")
GUEST_CUSTOMER_ID = 0  # a guest's Customer.id and events' customer_id (the order stores NULL)


@dataclass(frozen=True, slots=True)
class ChargedLine:
    """A line as it is charged: name and unit price as at placement, its share of the discount
    and its tax (minor units)."""

    sku: str
    name: str
    unit_price: int
    quantity: int
    line_total: int  # unit_price x quantity, before the discount
    discount_amount: int = 0
    tax_amount: int = 0


@dataclass(frozen=True, slots=True)
class OrderCharges:
    """Everything the order charges, priced by the caller (checkout). Direct orders have no
    shipping, discount or tax: their total is the lines' subtotal."""

    currency: str
    lines: tuple[ChargedLine, ...]
    subtotal_amount: int
    total_amount: int
    shipping_method: str = ""
    shipping_amount: int = 0
    shipping_tax_amount: int = 0
    discount_amount: int = 0
    tax_amount: int = 0  # lines' tax plus shipping tax
    voucher_code: str = ""
    prices_include_tax: bool = True


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    id: str
    number: str
    currency: str
    total_amount: int
    status: str = "placed"


class OrderError(Exception):
    """Base of the orders module's expected failures."""


@dataclass(frozen=True, slots=True)
class LineProblem:
    index: int  # position in the request's lines
    field: str
    detail: str
    code: str
    available: int | None = None


class OrderRejected(OrderError):
    """The request names SKUs that cannot be sold as asked (unknown, inactive, mixed currencies)."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        super().__init__("; ".join(p.detail for p in problems))


class OutOfStock(OrderError):
    """Not enough stock for some lines; nothing was reserved."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        super().__init__("; ".join(p.detail for p in problems))


class IllegalTransition(OrderError):
    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        super().__init__(f"An order that is {status} cannot be {_PAST[action]}.")


class ConcurrentUpdate(OrderError):
    """Another request changed the order first (optimistic lock); nothing was changed."""

    def __init__(self, status: str):
        self.status = status
        super().__init__(f"The order was changed by another request (it is now {status}); reload and retry.")


_PAST = {
    "pay": "paid",
    "ship": "shipped",
    "deliver": "delivered",
    "cancel": "cancelled",
    "refund": "refunded",
}


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Keyset position in orders ordered by (created_at, id): the last row of a page."""

    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as a read model needs it (backfill): no personal data, no lines."""

    id: str
    number: str
    customer_id: int
    status: str
    currency: str
    total_amount: int
    item_count: int
    payment_id: str | None
    version: int
    created_at: datetime
    # When the order entered each status (its audit trail); None if it never did.
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    # The parts of the total as placed (a direct order: all in the goods, nothing else).
    shipping_amount: int = 0
    shipping_tax_amount: int = 0
    discount_amount: int = 0
    tax_amount: int = 0
    prices_include_tax: bool = True


@dataclass(frozen=True, slots=True)
class OrderPage:
    records: tuple[OrderRecord, ...]
    next: OrderCursor | None  # None: this was the last page


@dataclass(frozen=True, slots=True)
class OrderDayTotals:
    """Orders created on `day` (UTC) in `currency` that are now in `status`."""

    day: date
    currency: str
    status: str
    orders: int
    items: int
    total_amount: int
    shipping_amount: int = 0
    shipping_tax_in_prices: int = 0  # shipping tax inside the shipping charge (gross-priced orders)
    tax_amount: int = 0
    discount_amount: int = 0


@dataclass(frozen=True, slots=True)
class OrderDayPayment:
    """The payment of an order created on `day` (UTC) in `currency` that is now in `status`."""

    day: date
    currency: str
    status: str
    payment_id: str


@dataclass(frozen=True, slots=True)
class OrderContact:
    """How to reach the person an order ships to (notifications: SMS about the shipment, the
    partial-refund email, whose payment event names no customer, a guest's order emails)."""

    name: str
    phone: str  # "" when the customer gave none
    number: str = ""
    customer_id: int | None = None  # None for a guest's order
    # A guest's order: the address given at checkout, for the order's own emails ("" once erased).
    # A customer's order: "" (their account holds the current address).
    email: str = ""


@dataclass(frozen=True, slots=True)
class OrderAttention:
    """What the back office's home page counts: orders waiting to ship, refused captures, and
    immediate captures that never happened."""

    to_fulfil: int
    capture_failed: int
    stuck: int


@dataclass(frozen=True, slots=True)
class CustomerOrderStats:
    """One customer's orders: how many, what they paid in each currency, and the latest."""

    customer_id: int
    orders: int
    totals: tuple[tuple[str, int], ...]  # (currency, sum of order totals in minor units)
    last_order_at: datetime | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of an order's timeline on its admin page."""

    at: datetime
    kind: str  # status, payment, notification, note
    title: str
    detail: str = ""
    state: str = "info"  # problem, done, waiting, info: how the page colours it


@dataclass(frozen=True, slots=True)
class CustomerOrder:
    id: str
    number: str
    status: str
    payment_status: str
    currency: str
    total_amount: int
    created_at: datetime
