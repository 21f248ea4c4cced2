"""SMS: GSM 03.38 message splitting and the provider interface (console, locmem, HTTP gateway)."""

from dataclasses import dataclass
from typing import ClassVar, Protocol

import requests
import structlog
from django.conf import settings
from django.utils.module_loading import import_string

logger = structlog.get_logger(__name__)

# GSM 03.38 basic character set (one septet each) and its extension table (escape + one septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


class SmsError(Exception):
    """The provider did not accept the message. `retryable`: a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def sms_segments(text: str) -> list[str]:
    """The parts a phone receives: one part up to 160 GSM-7 septets (70 UCS-2 characters), else
    parts of 153 septets (67 characters), the rest of each part being the concatenation header.
    An extension character takes two septets and is never split from its escape."""
    if is_gsm7(text):
        single, multi, cost = 160, 153, lambda ch: 2 if ch in GSM7_EXTENDED else 1
    else:
        # UCS-2 counts UTF-16 code units: a character outside the BMP takes two.
        single, multi, cost = 70, 67, lambda ch: 2 if ord(ch) > 0xFFFF else 1
    if sum(cost(ch) for ch in text) <= single:
        return [text]
    parts, current, used = [], [], 0
    for ch in text:
        if used + cost(ch) > multi:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost(ch)
    parts.append("".join(current))
    return parts


@dataclass(frozen=True)
class SmsResult:
    provider_id: str  # the provider's message id(s), for support
    parts: int


class SmsProvider(Protocol):
    def send(self, *, to: str, text: str) -> SmsResult: ...


class ConsoleSmsProvider:
    """The embedded default: logs the message parts instead of sending them."""

    def send(self, *, to: str, text: str) -> SmsResult:
        parts = sms_segments(text)
        for number, part in enumerate(parts, 1):
            logger.info("sms_console", to=to, part=f"{number}/{len(parts)}", text=part)
        return SmsResult(provider_id="console", parts=len(parts))


class LocmemSmsProvider:
    """Keeps sent messages in `LocmemSmsProvider.outbox`, as Django's locmem email backend does."""

    outbox: ClassVar[list[dict]] = []

    def send(self, *, to: str, text: str) -> SmsResult:
        parts = sms_segments(text)
        LocmemSmsProvider.outbox.append({"to": to, "text": text, "parts": parts})
        return SmsResult(provider_id=f"locmem-{len(LocmemSmsProvider.outbox)}", parts=len(parts))


class HttpGatewaySmsProvider:
    """A gateway taking `POST <url>` with a bearer token and JSON {to, text, parts}; we split the
    text ourselves so the parts (and their cost) are ours to see. 4xx other than 408/429: the
    message itself is refused (bad number), retrying cannot help."""

    def __init__(self, *, url: str, token: str, timeout: float = 10.0):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, *, to: str, text: str) -> SmsResult:
        parts = sms_segments(text)
        try:
            response = requests.post(
                self.url,
                json={"to": to, "text": text, "parts": parts},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc
        if not 200 <= response.status_code < 300:
            retryable = response.status_code >= 500 or response.status_code in (408, 429)
            raise SmsError(
                f"gateway answered {response.status_code}: {response.text[:200]}",
                retryable=retryable,
                status=response.status_code,
            )
        return SmsResult(provider_id=str(response.json().get("id", "")), parts=len(parts))


def sms_provider() -> SmsProvider:
    """The configured provider: NOTIFICATIONS_SMS_PROVIDER = {"class": dotted path, **options}."""
    options = dict(settings.NOTIFICATIONS_SMS_PROVIDER)
    return import_string(options.pop("class"))(**options)
