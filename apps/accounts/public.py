"""The accounts module's public surface: the only accounts code other modules may import."""

from apps.accounts import services
from apps.accounts.contracts import Account
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
    token, _ = services.token_issue(user=User.objects.get(pk=account_id))
    return token


def _to_contract(user: User) -> Account:
    roles = tuple(sorted(group.name for group in user.groups.all()))
    return Account(id=user.pk, email=user.email, is_staff=user.is_staff, roles=roles)
