"""SSRF guard for webhook URLs: staff type them, workers call them from inside our network."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator


def webhook_url_problem(url: str) -> str | None:
    """Why this URL may not receive webhooks, or None if it may.

    Unless allowed (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS, by default DEBUG): https only, and every address
    the host resolves to must be public. Checked when the endpoint is saved and again before
    each delivery, as DNS can change in between.
    """
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "Enter a valid http(s) URL."
    parts = urlsplit(url)
    allow = settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS
    if settings.DEBUG if allow is None else allow:
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
