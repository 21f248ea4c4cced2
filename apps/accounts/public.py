"""The accounts module's public surface: the only accounts code other modules may import."""

from apps.accounts import selectors, services
from apps.accounts.contracts import Account


def account_create(*, email: str, password: str, role: str | None = None, superuser: bool = False) -> Account:
    """Create an account; raises contracts.AccountExists if the email is taken."""
    user = services.account_create(email=email, password=password, role=role, superuser=superuser)
    return selectors.account_of(user)


def account_get(*, account_id: int) -> Account:
    """The account with this id; LookupError when there is none."""
    return selectors.account_get(account_id=account_id)


def account_get_by_email(*, email: str) -> Account:
    """The account with this email (any case); LookupError when there is none."""
    return selectors.account_get_by_email(email=email)


def api_token_get(*, account_id: int) -> str:
    """The account's API token, created on first request."""
    return services.token_issue(user=selectors.user_get(account_id=account_id))
