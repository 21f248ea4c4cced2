"""Sending one delivery on its channel. Each sender returns an Attempt; none raises for a failure
of the outside world, so the caller records every outcome the same way."""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from apps.common.money import Money
from apps.notifications import sources
from apps.notifications.models import GUEST_ORDER, Delivery
from apps.notifications.selectors import order_number
from apps.notifications.signing import signature_header
from apps.notifications.sms import SmsError, sms_provider
from apps.notifications.urlguard import InvalidIPAddress, webhook_session, webhook_url_problem

EXCERPT_CHARS = 500
DRAIN_BYTES = 64 * 1024
# Which account emails carry a link made by accounts when sent (sources.py), and what kind.
ACCOUNT_LINK_PURPOSES = {
    "accounts.CustomerRegistered.v1": "verify-email",
    "accounts.CustomerEmailChangeRequested.v1": "verify-email",
    "accounts.CustomerPasswordResetRequested.v1": "reset-password",
}
USER_AGENT = "commerce-webhooks/1"
# What a deleted customer's address becomes in their deliveries ("erased:<delivery id>").
ERASED = "erased"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    retryable: bool = False
    status: int | None = None
    excerpt: str = ""
    error: str = ""
    latency_ms: int | None = None
    retry_after: float | None = field(default=None)  # seconds the receiver asked us to wait
    suppressed: bool = False  # nobody to send to: final, not a failure to retry or to replay


class TemplateProblem(Exception):
    """A notification template is missing or broken: a bug to fix, not a failure to retry."""


class LinkNoLongerApplies(TemplateProblem):
    """The account was verified, deleted or deactivated since the fan-out: nothing to send."""


class NoAddress(Exception):
    """A guest's order whose address orders no longer has (erased): nothing to send, ever."""


def guest_recipient(order_id: str) -> str:
    return f"{GUEST_ORDER}{order_id}"


def email_address(delivery: Delivery) -> str:
    """Where an email goes: its recipient, or for a guest's order the address orders holds now. An
    owner that cannot answer raises SourceUnavailable: the send is retried on its schedule."""
    if not delivery.recipient.startswith(GUEST_ORDER):
        return delivery.recipient
    contact = sources.orders().order_contact(order_id=delivery.recipient.removeprefix(GUEST_ORDER))
    if contact is None:
        raise NoAddress("orders knows no such order")
    if contact.customer_id:  # claimed since by the customer who verified the address
        email = sources.accounts().customer_email(customer_id=contact.customer_id)
        if not email:
            raise NoAddress("the order's customer has no account any more")
        return email
    if contact.email is None:  # an orders release from before the field: not an erasure
        raise sources.SourceUnavailable("orders' contact answer has no email (older release)")
    if not contact.email:
        raise NoAddress("orders has no address for this guest (erased)")
    return contact.email


def send(delivery: Delivery) -> Attempt:
    if delivery.recipient.startswith(f"{ERASED}:"):  # the customer was deleted before it went
        return Attempt(ok=False, suppressed=True, error="not sent: the customer's address was erased")
    sender = {"email": _send_email, "sms": _send_sms, "webhook": _send_webhook}[delivery.channel]
    try:
        return sender(delivery)
    except LinkNoLongerApplies as exc:
        return Attempt(ok=False, retryable=False, error=f"link no longer applies: {exc}")
    except TemplateProblem as exc:
        return Attempt(ok=False, retryable=False, error=f"template error: {exc}")


def _render(name: str, context: dict) -> str:
    try:
        return render_to_string(name, context)
    except Exception as exc:  # missing, bad syntax, or a filter that raised: retrying renders it the same
        raise TemplateProblem(f"{name}: {type(exc).__name__}: {exc}") from exc


def template_context(envelope: dict) -> dict:
    """What email and SMS templates see: the event's data, plus its money already formatted."""
    data = envelope["data"]
    context = {"event": envelope, "data": data, "site_name": settings.NOTIFICATIONS_SITE_NAME}
    if "refunded" in data and "currency" in data:  # a payment's refund: the order named by number
        context |= {
            "number": order_number(order_id=data["order_id"]),
            "refunded": str(Money(data["refunded"], data["currency"])),
            "refunded_so_far": str(Money(data["amount_refunded"], data["currency"])),
            "captured": str(Money(data["amount_captured"], data["currency"])),
        }
    if "total_amount" in data and "currency" in data:
        context["total"] = str(Money(data["total_amount"], data["currency"]))
        context["lines"] = [
            {**line, "total": str(Money(line["line_total"], data["currency"]))}
            for line in data.get("lines", [])
        ]
    return context


def email_render(delivery: Delivery) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an email delivery, exactly as sent (the admin previews it)."""
    context = template_context(delivery.envelope)
    purpose = ACCOUNT_LINK_PURPOSES.get(delivery.event_type)
    if purpose:
        # Made now, never stored: the link works for its full lifetime from this send. An owner
        # that cannot answer raises SourceUnavailable: the send is retried on its schedule.
        customer_id = delivery.envelope["data"]["customer_id"]
        context["link"] = sources.accounts().account_link(customer_id=customer_id, purpose=purpose)
        if context["link"] is None:
            raise LinkNoLongerApplies(f"account {customer_id}: no {purpose} link applies now")
    base = f"notifications/{delivery.template}"
    subject = " ".join(_render(f"{base}.subject.txt", context).split())  # one line, as headers need
    return subject, _render(f"{base}.txt", context), _render(f"{base}.html", context)


def _send_email(delivery: Delivery) -> Attempt:
    try:
        to = email_address(delivery)
    except NoAddress as exc:
        return Attempt(ok=False, suppressed=True, error=f"not sent: {exc}")
    subject, text, html = email_render(delivery)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Event-Id": str(delivery.event_id)},
    )
    message.attach_alternative(html, "text/html")
    started = time.monotonic()
    try:
        message.send()
    except Exception as exc:  # SMTP errors, refused connections, timeouts: all worth another try
        return Attempt(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
    return Attempt(ok=True, latency_ms=_ms_since(started))


def _send_sms(delivery: Delivery) -> Attempt:
    text = _render(f"notifications/{delivery.template}.sms.txt", template_context(delivery.envelope)).strip()
    started = time.monotonic()
    try:
        result = sms_provider().send(to=delivery.recipient, text=text)
    except SmsError as exc:
        return Attempt(ok=False, retryable=exc.retryable, status=exc.status, error=str(exc))
    return Attempt(
        ok=True, latency_ms=_ms_since(started), excerpt=f"{result.parts} part(s), id {result.provider_id}"
    )


def _send_webhook(delivery: Delivery) -> Attempt:
    endpoint = delivery.endpoint
    problem = webhook_url_problem(endpoint.url)
    if problem:
        return Attempt(ok=False, retryable=False, error=f"URL refused: {problem}")
    body = json.dumps(delivery.envelope, separators=(",", ":")).encode()
    timestamp = int(time.time())
    msg_id = str(delivery.event_id)
    headers = {
        "Content-Type": "application/cloudevents+json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets_in_use=endpoint_secrets_in_use(endpoint.secrets),
            msg_id=msg_id,
            timestamp=timestamp,
            body=body,
        ),
    }
    # The receiver's work joins the trace of the request that caused the event.
    for name in ("traceparent", "tracestate"):
        if delivery.envelope.get(name):
            headers[name] = delivery.envelope[name]
    started = time.monotonic()
    try:
        response = webhook_session().post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT,
            allow_redirects=False,  # a redirect could lead anywhere, past the URL guard
            stream=True,
        )
        with response:
            # The body within the timeout in all: a receiver dripping it byte by byte under the
            # read timeout must not hold the sender (a threads-pool worker has no hard time limit).
            deadline = started + settings.NOTIFICATIONS_WEBHOOK_TIMEOUT
            excerpt = _read(response.raw, EXCERPT_CHARS, deadline, decode=True).decode("utf-8", "replace")
            # Read the rest (up to a bound) so the connection goes back to the pool for the next
            # delivery; a longer or slower body closes it instead of being read to the end.
            _read(response.raw, DRAIN_BYTES, deadline, decode=False)
    except InvalidIPAddress as exc:  # resolved to a private address at connect time (DNS rebinding)
        return Attempt(
            ok=False, retryable=False, error=f"URL refused: resolves to a non-public address ({exc})"
        )
    except requests.Timeout:
        return Attempt(ok=False, retryable=True, error="timeout", latency_ms=_ms_since(started))
    except requests.RequestException as exc:
        return Attempt(
            ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}", latency_ms=_ms_since(started)
        )
    return _classify(response.status_code, response.headers.get("Retry-After"), excerpt, _ms_since(started))


def _read(raw, amount: int, deadline: float, *, decode: bool) -> bytes:
    """Up to `amount` bytes of the body, what arrives before `deadline` (monotonic)."""
    chunks, size = [], 0
    while size < amount and time.monotonic() < deadline:
        chunk = raw.read1(amount - size, decode_content=decode)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _classify(status: int, retry_after: str | None, excerpt: str, latency_ms: int) -> Attempt:
    """2xx delivered; 408/429/5xx and redirects (not followed) retried; other 4xx are final."""
    if 200 <= status < 300:
        return Attempt(ok=True, status=status, excerpt=excerpt, latency_ms=latency_ms)
    retryable = status >= 500 or status in (408, 429) or 300 <= status < 400
    wait = _retry_after_seconds(retry_after) if status in (429, 503) else None
    return Attempt(
        ok=False,
        retryable=retryable,
        status=status,
        excerpt=excerpt,
        error=f"HTTP {status}",
        latency_ms=latency_ms,
        retry_after=wait,
    )


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delay-seconds or an HTTP date; capped so a receiver cannot park us for ever."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), settings.NOTIFICATIONS_RETRY_AFTER_MAX)


def endpoint_secrets_in_use(secrets: list[dict]) -> list[str]:
    """The secrets that still sign: the newest, and older ones until their expiry."""
    now = timezone.now()
    return [
        s["secret"]
        for s in secrets
        if not s.get("expires_at") or datetime.fromisoformat(s["expires_at"]) > now
    ]


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
