"""The accounts module's public surface: the only accounts code other modules may import."""

from apps.accounts import selectors, services, tokens
from apps.accounts.contracts import Account, AccountLink, Address, CustomerPage, SavedAddress


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
    """A new API token for the account (as a sign-in would issue); only its digest is kept."""
    token, _ = tokens.token_issue(user=selectors.user_get(account_id=account_id))
    return token


def account_link(*, account_id: int, purpose: str) -> AccountLink:
    """The verify-email or reset-password link for the account, made now (it is never stored nor
    put in an event), with the address to send it to. LookupError when none applies: the account
    is gone or deactivated, or (verify-email) it has no address awaiting verification."""
    return selectors.account_link(account_id=account_id, purpose=purpose)


def address_get(*, account_id: int, address_id: int) -> Address:
    """One address of the account's address book; contracts.AddressNotFound when the account has
    no such address (including another customer's)."""
    return selectors.address_get(account_id=account_id, address_id=address_id)


def addresses_of(*, account_id: int) -> list[SavedAddress]:
    """The account's address book (the default first); empty when it has none."""
    return selectors.addresses_of(account_id=account_id)


def customers_page(*, search: str = "", offset: int = 0, limit: int = 50) -> CustomerPage:
    """Customer accounts (not staff), newest first; `search` matches email or name."""
    return selectors.customers_page(search=search, offset=offset, limit=limit)
