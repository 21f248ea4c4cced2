"""Account reads behind public.py."""

from apps.accounts.contracts import Account
from apps.accounts.models import User


def account_get(*, account_id: int) -> Account:
    user = User.objects.filter(pk=account_id).prefetch_related("groups").first()
    if user is None:
        raise LookupError(f"no account {account_id}")
    return account_of(user)


def account_get_by_email(*, email: str) -> Account:
    user = User.objects.filter(email__iexact=email).prefetch_related("groups").first()
    if user is None:
        raise LookupError(f"no account for {email}")
    return account_of(user)


def user_get(*, account_id: int) -> User:
    return User.objects.get(pk=account_id)


def account_of(user: User) -> Account:
    roles = tuple(sorted(group.name for group in user.groups.all()))
    return Account(id=user.pk, email=user.email, is_staff=user.is_staff, roles=roles)
