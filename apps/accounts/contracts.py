"""What other modules may know about accounts. Stdlib only."""

from dataclasses import dataclass

ROLES = ("support", "fulfilment", "finance", "operations")


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    is_staff: bool
    roles: tuple[str, ...]


class AccountExists(Exception):
    """An account with this email address already exists."""
