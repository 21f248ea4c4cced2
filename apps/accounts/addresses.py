"""The address book: several addresses per customer, at most one the default."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Address, User


class TooManyAddresses(Exception):
    pass


@transaction.atomic
def address_create(*, user: User, is_default: bool = False, **fields) -> Address:
    """Add an address; the first one, or one marked `is_default`, becomes the default."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one writer per address book
    existing = Address.objects.filter(account=user)
    if existing.count() >= settings.ACCOUNTS_MAX_ADDRESSES:
        raise TooManyAddresses(settings.ACCOUNTS_MAX_ADDRESSES)
    is_default = is_default or not existing.exists()
    if is_default:
        existing.filter(is_default=True).update(is_default=False, updated_at=timezone.now())
    return Address.objects.create(account=user, is_default=is_default, **fields)


@transaction.atomic
def address_update(*, address: Address, is_default: bool | None = None, **fields) -> Address:
    """Change an address; `is_default=True` moves the default to it (unsetting it is refused by
    leaving it as is: a book with addresses always has a default)."""
    User.objects.select_for_update().filter(pk=address.account_id).first()
    for name, value in fields.items():
        setattr(address, name, value)
    if is_default and not address.is_default:
        Address.objects.filter(account_id=address.account_id, is_default=True).update(
            is_default=False, updated_at=timezone.now()
        )
        address.is_default = True
    address.updated_at = timezone.now()
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the oldest remaining one becomes the default."""
    User.objects.select_for_update().filter(pk=address.account_id).first()
    address.delete()
    if address.is_default:
        successor = Address.objects.filter(account_id=address.account_id).order_by("created_at", "id").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True, updated_at=timezone.now())
