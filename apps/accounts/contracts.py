"""What other modules may know about accounts. Stdlib only."""

from dataclasses import dataclass
from datetime import datetime

ROLES = ("support", "fulfilment", "finance", "operations", "merchandising")


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


@dataclass(frozen=True, slots=True)
class AccountLink:
    """A link an account email carries (verify an address, reset the password), made when asked."""

    recipient: str  # the address to send it to
    url: str
    valid_hours: int


LINK_PURPOSES = ("verify-email", "reset-password")


@dataclass(frozen=True, slots=True)
class Address:
    """One address of a customer's address book: `country` ISO 3166-1 alpha-2, `phone` E.164
    ('' when none), `postal_code` checked by apps.common.addresses when saved (a row saved before
    that check may not pass it: callers check what they use)."""

    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str


@dataclass(frozen=True, slots=True)
class SavedAddress:
    """An entry of a customer's address book, as the back office lists it."""

    id: int
    is_default: bool
    address: Address


class AddressNotFound(LookupError):
    """The customer has no address with this id (it never existed, was deleted, or is another's)."""
