"""Where notifications reads what the events do not carry: contact details, which stay out of
events (they reach webhook receivers as they are), and account links, which are secrets.

One interface per owner, two adapters each, chosen by settings:
- `NOTIFICATIONS_ACCOUNTS_URL` / `NOTIFICATIONS_ORDERS_URL` set (notifications deployed on its
  own): the owner's internal HTTP API, authenticated by `NOTIFICATIONS_API_TOKEN`;
- unset (the monolith): the owner's public functions, handed in by the composition root
  (`sources_in_process`), so this module imports no other business module.

"Nothing there" is None (or "" for a phone); an owner that cannot answer now raises
SourceUnavailable, which fails the fan-out handler so the backbone retries it.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings


class SourceUnavailable(Exception):
    """The owner did not answer usably (down, timeout, 5xx, refused our token, not configured)."""


@dataclass(frozen=True, slots=True)
class Link:
    """A verify-email or reset-password link, made by accounts when asked, never stored."""

    recipient: str
    url: str
    valid_hours: int


@dataclass(frozen=True, slots=True)
class OrderContact:
    """How to reach the person an order ships to, and whose order it is."""

    number: str
    phone: str  # "" when none was given
    customer_id: int | None  # None: a guest's order
    # A guest's order: the address given at checkout ("" once erased); "" for a customer's order.
    # None: orders did not say (a release from before the field): ask again later, never "none".
    email: str | None = None


class AccountsSource(Protocol):
    def customer_email(self, *, customer_id: int) -> str | None: ...

    def account_link(self, *, customer_id: int, purpose: str) -> Link | None: ...


class OrdersSource(Protocol):
    def order_contact(self, *, order_id: str) -> OrderContact | None: ...


@dataclass(frozen=True)
class InProcessAccounts:
    account_get: Callable  # accounts.public.account_get
    account_link_get: Callable  # accounts.public.account_link

    def customer_email(self, *, customer_id: int) -> str | None:
        try:
            return self.account_get(account_id=customer_id).email
        except LookupError:
            return None

    def account_link(self, *, customer_id: int, purpose: str) -> Link | None:
        try:
            link = self.account_link_get(account_id=customer_id, purpose=purpose)
        except LookupError:
            return None
        return Link(recipient=link.recipient, url=link.url, valid_hours=link.valid_hours)


@dataclass(frozen=True)
class InProcessOrders:
    order_contact_get: Callable  # orders.public.order_contact

    def order_contact(self, *, order_id: str) -> OrderContact | None:
        try:
            contact = self.order_contact_get(order_id=order_id)
        except LookupError:
            return None
        return OrderContact(
            number=contact.number, phone=contact.phone, customer_id=contact.customer_id, email=contact.email
        )


class _Http:
    """Calls to one owner's internal API: keep-alive per thread, `Service <token>`, 404 = none."""

    _local = threading.local()

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, **kwargs) -> dict | None:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        try:
            response = session.request(
                method,
                self.base_url + path,
                headers={"Authorization": f"Service {settings.NOTIFICATIONS_API_TOKEN}"},
                timeout=settings.NOTIFICATIONS_API_TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise SourceUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceUnavailable(f"{method} {path}: HTTP {response.status_code}: {response.text[:200]}")
        return response.json()


class HttpAccounts(_Http):
    def customer_email(self, *, customer_id: int) -> str | None:
        body = self._call("GET", f"/internal/accounts/{customer_id}")
        return body["email"] if body else None

    def account_link(self, *, customer_id: int, purpose: str) -> Link | None:
        body = self._call("POST", f"/internal/accounts/{customer_id}/links", json={"purpose": purpose})
        return (
            Link(recipient=body["recipient"], url=body["url"], valid_hours=body["valid_hours"])
            if body
            else None
        )


class HttpOrders(_Http):
    def order_contact(self, *, order_id: str) -> OrderContact | None:
        body = self._call("GET", f"/internal/orders/{order_id}/contact")
        if body is None:
            return None
        return OrderContact(
            number=body["number"],
            phone=body["phone"],
            customer_id=body["customer_id"],
            email=body.get("email"),
        )


def http_sessions_close() -> None:
    """Close this thread's kept-alive connections to the owners (a worker ending, a test)."""
    session = getattr(_Http._local, "session", None)
    if session is not None:
        session.close()
        _Http._local.session = None


_in_process: dict[str, object] = {}


def sources_in_process(*, account_get: Callable, account_link: Callable, order_contact: Callable) -> None:
    """The monolith's wiring: accounts' and orders' public functions, for when no URL is set."""
    _in_process["accounts"] = InProcessAccounts(account_get=account_get, account_link_get=account_link)
    _in_process["orders"] = InProcessOrders(order_contact_get=order_contact)


def accounts() -> AccountsSource:
    return _source("accounts", settings.NOTIFICATIONS_ACCOUNTS_URL, HttpAccounts)


def orders() -> OrdersSource:
    return _source("orders", settings.NOTIFICATIONS_ORDERS_URL, HttpOrders)


def _source(owner: str, url: str, http: type[_Http]):
    if url:
        return http(url)
    if owner in _in_process:
        return _in_process[owner]
    raise SourceUnavailable(
        f"no {owner} source: set NOTIFICATIONS_{owner.upper()}_URL (or run in the monolith, which wires one)"
    )
