"""What other modules may know about accounts. Stdlib only."""

from dataclasses import dataclass
from datetime import datetime

ROLES = ("support", "fulfilment", "finance", "operations")


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    is_staff: bool
    roles: tuple[str, ...]


class AccountExists(Exception):
    """An account with this email address already exists."""


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer account (not staff), as the back office lists it."""

    id: int
    email: str
    name: str
    is_active: bool
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerPage:
    customers: tuple[Customer, ...]
    total: int
