"""Account reads behind public.py."""

from django.db.models import Q

from apps.accounts.contracts import Account, Customer, CustomerPage
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


def customers_page(*, search: str = "", offset: int = 0, limit: int = 50) -> CustomerPage:
    """Customer accounts (no staff), newest first, optionally by email or name."""
    users = User.objects.filter(is_staff=False, is_superuser=False)
    if search:
        users = users.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    rows = users.order_by("-date_joined", "-id")[offset : offset + limit]
    return CustomerPage(
        customers=tuple(
            Customer(u.pk, u.email, f"{u.first_name} {u.last_name}".strip(), u.is_active, u.date_joined)
            for u in rows
        ),
        total=users.count(),
    )
