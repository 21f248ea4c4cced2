"""Account reads behind public.py."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q

from apps.accounts import models, services
from apps.accounts.contracts import (
    LINK_PURPOSES,
    Account,
    AccountLink,
    Address,
    AddressNotFound,
    Customer,
    CustomerPage,
    SavedAddress,
)
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


def account_link(*, account_id: int, purpose: str) -> AccountLink:
    if purpose not in LINK_PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    user = User.objects.filter(pk=account_id, is_active=True).first()
    if user is None:
        raise LookupError(f"no active account {account_id}")
    base = settings.ACCOUNTS_STOREFRONT_URL
    if purpose == "reset-password":
        uid, token = services.password_reset_link_parts(user=user)
        url = f"{base}/reset-password?{urlencode({'uid': uid, 'token': token})}"
        return AccountLink(recipient=user.email, url=url, valid_hours=settings.PASSWORD_RESET_TIMEOUT // 3600)
    if user.email_verified_at is not None and not user.pending_email:
        raise LookupError(f"account {account_id} has nothing to verify")
    token = services.email_verification_token(user=user)
    hours = int(settings.ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE.total_seconds() // 3600)
    return AccountLink(
        recipient=user.pending_email or user.email,
        url=f"{base}/verify-email?{urlencode({'token': token})}",
        valid_hours=hours,
    )


def address_get(*, account_id: int, address_id: int) -> Address:
    row = models.Address.objects.filter(pk=address_id, account_id=account_id).first()
    if row is None:
        raise AddressNotFound(f"account {account_id} has no address {address_id}")
    return _address(row)


def addresses_of(*, account_id: int) -> list[SavedAddress]:
    """The account's address book, the default first, then oldest first (one query)."""
    rows = models.Address.objects.filter(account_id=account_id).order_by("-is_default", "created_at", "id")
    return [SavedAddress(id=row.pk, is_default=row.is_default, address=_address(row)) for row in rows]


def _address(row: models.Address) -> Address:
    return Address(
        name=row.name,
        line1=row.line1,
        line2=row.line2,
        city=row.city,
        region=row.region,
        postal_code=row.postal_code,
        country=str(row.country),
        phone=str(row.phone) if row.phone else "",
    )
