"""Fixtures for the Stripe provider: a local stand-in for Stripe's API, a provider pointed at it,
and localstripe as a second target (`stripe_target` runs a test against both)."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from apps.payments.providers.stripe import StripeProvider
from tests.payments.stripe_standin import StripeStandin

STRIPE_API_KEY = "sk_test_standin"
STRIPE_WEBHOOK_SECRET = "whsec_standin"
STRIPE_TIMEOUT = 1.0  # seconds; short so the "Stripe hangs" tests finish quickly


@pytest.fixture
def stripe_standin() -> Iterator[StripeStandin]:
    """A running stand-in for Stripe's API on 127.0.0.1 (a free port), stopped after the test."""
    standin = StripeStandin(api_key=STRIPE_API_KEY).start()
    yield standin
    standin.stop()


@pytest.fixture
def stripe_provider(stripe_standin: StripeStandin) -> StripeProvider:
    """The real provider and SDK, talking HTTP to the stand-in."""
    return StripeProvider(
        api_key=STRIPE_API_KEY,
        webhook_secret=STRIPE_WEBHOOK_SECRET,
        api_base=stripe_standin.url,
        timeout=STRIPE_TIMEOUT,
    )


@pytest.fixture
def stripe_settings(settings, stripe_standin: StripeStandin):
    """Enable the "stripe" provider against the stand-in, so `get_provider("stripe")` reaches it."""
    settings.PAYMENTS_PROVIDERS = {
        **settings.PAYMENTS_PROVIDERS,
        "stripe": {
            "api_key": STRIPE_API_KEY,
            "webhook_secret": STRIPE_WEBHOOK_SECRET,
            "api_base": stripe_standin.url,
            "timeout": STRIPE_TIMEOUT,
        },
    }
    return settings


def stripe_signature(
    payload: bytes, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """A `Stripe-Signature` header as Stripe documents it: `t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<payload>">`. Written out here rather than taken from the SDK, so the SDK is checked
    against the documented format and not against itself."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


# --- localstripe: a second, independent Stripe fake -------------------------------------------------

LOCALSTRIPE_API_KEY = "sk_test_localstripe"


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 keeping every POST (body, headers) it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._arrived:
                    receiver.received.append((body, dict(self.headers)))
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stripe"

    def wait_for(self, event_type: str, intent_id: str, timeout: float = 10.0) -> tuple[bytes, str]:
        """The first `event_type` event about `intent_id`: its body and Stripe-Signature header."""

        def found():
            for body, headers in self.received:
                event = json.loads(body)
                if event["type"] == event_type and event["data"]["object"].get("id") == intent_id:
                    return body, headers["Stripe-Signature"]
            return None

        with self._arrived:
            if not self._arrived.wait_for(found, timeout):
                raise AssertionError(f"localstripe sent no {event_type} for {intent_id} in {timeout} s")
            return found()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Localstripe:
    url: str
    webhooks: WebhookReceiver


@pytest.fixture(scope="session")
def localstripe() -> Iterator[Localstripe]:
    """localstripe (PyPI, unpatched) on a free port for the whole session, with one webhook endpoint
    registered. It keeps state in memory (and dumps it to /tmp/localstripe.pickle, read only
    without --from-scratch); it listens on every interface, it has no option for one address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"localstripe exited {process.returncode}: {process.stderr.read().decode()[-2000:]}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("localstripe did not listen within 20 s") from None
            time.sleep(0.1)
    receiver = WebhookReceiver()
    registered = requests.post(
        f"{url}/_config/webhooks/tests",
        data={"url": receiver.url, "secret": STRIPE_WEBHOOK_SECRET},
        timeout=5,
    )
    registered.raise_for_status()
    yield Localstripe(url=url, webhooks=receiver)
    receiver.stop()
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stderr.close()


@dataclass(frozen=True)
class StripeTarget:
    """A Stripe API the provider is tested against: the stand-in or localstripe. The test cards
    differ: localstripe's declining card is `pm_card_chargeCustomerFail` (code card_declined, no
    decline_code); the stand-in's is `pm_card_chargeDeclined` (decline_code generic_decline)."""

    name: str
    url: str
    api_key: str
    declined_card: str
    decline_code: str
    localstripe: Localstripe | None = None
    standin: StripeStandin | None = None

    def provider(self) -> StripeProvider:
        return StripeProvider(
            api_key=self.api_key,
            webhook_secret=STRIPE_WEBHOOK_SECRET,
            api_base=self.url,
            timeout=STRIPE_TIMEOUT,
        )

    def intent(self, ref: str) -> dict:
        """The PaymentIntent as the target's API answers it, its charge expanded."""
        client = stripe.StripeClient(self.api_key, base_addresses={"api": self.url})
        return client.v1.payment_intents.retrieve(ref, {"expand": ["latest_charge"]}).to_dict()

    def intent_of_payment(self, payment_id: str) -> dict:
        """The newest intent whose metadata names our payment `payment_id` (a declined authorize
        raises before we learn the intent's id)."""
        if self.standin is not None:
            intents = list(self.standin.intents.values())
        else:
            client = stripe.StripeClient(self.api_key, base_addresses={"api": self.url})
            intents = client.v1.payment_intents.list({"limit": 100}).to_dict()["data"]
        return max(
            (i for i in intents if (i.get("metadata") or {}).get("payment_id") == payment_id),
            key=lambda i: i["created"],
        )

    def webhook(self, event_type: str, ref: str) -> tuple[bytes, str]:
        """A signed `event_type` event about the intent: sent by localstripe itself, or built here
        from the stand-in's intent (the stand-in sends none) and signed as Stripe documents."""
        if self.localstripe is not None:
            return self.localstripe.webhooks.wait_for(event_type, ref)
        body = stripe_event(event_type, self.intent(ref))
        return body, stripe_signature(body)


@pytest.fixture(params=["standin", "localstripe"])
def stripe_target(request) -> StripeTarget:
    """Each test using it runs twice: against the hand-written stand-in and against localstripe."""
    if request.param == "standin":
        standin = request.getfixturevalue("stripe_standin")
        return StripeTarget(
            "standin",
            standin.url,
            STRIPE_API_KEY,
            "pm_card_chargeDeclined",
            "generic_decline",
            standin=standin,
        )
    running = request.getfixturevalue("localstripe")
    return StripeTarget(
        "localstripe",
        running.url,
        LOCALSTRIPE_API_KEY,
        "pm_card_chargeCustomerFail",
        "card_declined",
        running,
    )


STRIPE_EVENT_CREATED = 1767225600  # 2026-01-01T00:00:00Z


def stripe_event(type_: str, obj: dict, event_id: str = "evt_1") -> bytes:
    """A Stripe event body around `obj`, as Stripe documents its shape."""
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": STRIPE_EVENT_CREATED,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }
    return json.dumps(event).encode()


def pytest_collection_modifyitems(config, items):
    """A Stripe provider test runs against both targets (`stripe_target`) or says why not."""
    for item in items:
        if item.path.name != "test_stripe_provider.py" or "stripe_target" in item.fixturenames:
            continue
        marker = item.get_closest_marker("stripe_standin_only")
        if "stripe_standin" in item.fixturenames and not (marker and marker.kwargs.get("reason")):
            raise pytest.UsageError(
                f"{item.nodeid}: uses the stand-in only without saying why (standin_only)"
            )
