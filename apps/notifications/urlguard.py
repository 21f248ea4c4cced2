"""SSRF guard for webhook URLs: staff type them, workers call them from inside our network.

Two layers: `webhook_url_problem` explains a bad URL when staff save it and before each send; and
`webhook_session` sends through requests-hardened, which resolves the host once per request,
refuses a private, loopback or reserved address, and connects to the very address it checked
(keeping Host, SNI and certificate checks on the name). A name that resolved to a public
address for the check and to 127.0.0.1 a moment later (DNS rebinding) is refused at connect time.
"""

import functools
import ipaddress
import os
import socket
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress

__all__ = ["InvalidIPAddress", "webhook_session", "webhook_url_problem"]


def webhook_url_problem(url: str) -> str | None:
    """Why this URL may not receive webhooks, or None if it may.

    Unless allowed (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS, by default DEBUG): https only, and every address
    the host resolves to must be public. Checked when the endpoint is saved and again before
    each delivery, as DNS can change in between.
    """
    if not _well_formed(url):
        return "Enter a valid http(s) URL."
    parts = urlsplit(url)
    if private_urls_allowed():
        return None
    if parts.scheme != "https":
        return "Webhook URLs must use https."
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return f"The host {parts.hostname} does not resolve."
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return f"The host {parts.hostname} resolves to a non-public address ({address})."
    return None


@functools.lru_cache(maxsize=1024)
def _well_formed(url: str) -> bool:
    """The syntax check alone (a regex that costs more than the send's signing): the same for a
    URL every time, unlike what its host resolves to, which is checked on every call."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


def private_urls_allowed() -> bool:
    allow = settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS
    return settings.DEBUG if allow is None else allow


def webhook_session() -> HTTPSession:
    """This thread's session (one per worker process in prefork): it never follows redirects and,
    unless private URLs are allowed, connects only to the public address it resolved and checked
    itself. Kept, so its keep-alive connections are reused: requests-hardened resolves and checks
    the host on every request and keys its connection pools by the checked address, so a name
    that rebinds gets a new, checked connection and never an old one to another address."""
    config = Config(
        ip_filter_enable=not private_urls_allowed(),
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,  # a redirect could lead anywhere, past the guard
        default_timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT,
    )
    key = (os.getpid(), config.ip_filter_enable, config.default_timeout)
    if getattr(_sessions, "key", None) != key:  # first use, a forked child, or other settings (tests)
        session = HTTPSession(config)
        # No proxies from the environment (past the address check) and no ~/.netrc credentials
        # for a receiver staff typed in; requests also stops looking both up on every send.
        session.trust_env = False
        _sessions.session = session
        _sessions.key = key
    return _sessions.session


_sessions = threading.local()
