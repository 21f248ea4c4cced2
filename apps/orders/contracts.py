"""What other modules may know about orders: frozen, stdlib-only dataclasses and errors."""

from dataclasses import dataclass


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
