"""Fixtures for the Stripe provider: a local stand-in for Stripe's API, a provider pointed at it."""

import hashlib
import hmac
import time
from collections.abc import Iterator

import pytest

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
