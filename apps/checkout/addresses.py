"""The shared address check (apps/common/addresses.py) as the checkout's InvalidInput."""

from apps.checkout.contracts import InvalidInput
from apps.common.addresses import AddressInvalid, address_checked, saved_address_detail


def address_check(address: dict, *, pointer: str) -> dict:
    """The address with its country upper case and postal code normalized; InvalidInput naming
    the first field at fault (`pointer` + "/postal_code", ...)."""
    try:
        return address_checked(address)
    except AddressInvalid as exc:
        raise InvalidInput(f"{pointer}/{exc.field}", exc.detail, exc.code) from None


def saved_address_check(address: dict, *, address_id: int, pointer: str) -> dict:
    """A saved address, checked: InvalidInput naming the id the client sent (`pointer`), not a
    field of an address it never sent."""
    try:
        return address_checked(address)
    except AddressInvalid as exc:
        raise InvalidInput(pointer, saved_address_detail(address_id, exc), "saved_address_invalid") from None
