"""The accounts module's public surface: the only accounts code other modules may import."""

from urllib.parse import urlencode

from django.conf import settings

from apps.accounts import models, services, tokens
from apps.accounts.contracts import LINK_PURPOSES, Account, AccountLink, Address, AddressNotFound
from apps.accounts.models import User


def account_create(*, email: str, password: str, role: str | None = None, superuser: bool = False) -> Account:
    """Create an account; raises contracts.AccountExists if the email is taken."""
    user = services.account_create(email=email, password=password, role=role, superuser=superuser)
    return _to_contract(user)


def account_get(*, account_id: int) -> Account:
    """The account with this id; LookupError when there is none."""
    user = User.objects.filter(pk=account_id).prefetch_related("groups").first()
    if user is None:
        raise LookupError(f"no account {account_id}")
    return _to_contract(user)


def account_get_by_email(*, email: str) -> Account:
    """The account with this email (any case); LookupError when there is none."""
    user = User.objects.filter(email__iexact=email).prefetch_related("groups").first()
    if user is None:
        raise LookupError(f"no account for {email}")
    return _to_contract(user)


def api_token_get(*, account_id: int) -> str:
    """A new API token for the account (as a sign-in would issue); only its digest is kept."""
    token, _ = tokens.token_issue(user=User.objects.get(pk=account_id))
    return token


def account_link(*, account_id: int, purpose: str) -> AccountLink:
    """The verify-email or reset-password link for the account, made now (it is never stored nor
    put in an event), with the address to send it to. LookupError when none applies: the account
    is gone or deactivated, or (verify-email) it has no address awaiting verification."""
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
    """One address of the account's address book; AddressNotFound when the account has no such
    address (including another customer's)."""
    row = models.Address.objects.filter(pk=address_id, account_id=account_id).first()
    if row is None:
        raise AddressNotFound(f"account {account_id} has no address {address_id}")
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


def _to_contract(user: User) -> Account:
    roles = tuple(sorted(group.name for group in user.groups.all()))
    return Account(id=user.pk, email=user.email, is_staff=user.is_staff, roles=roles)
