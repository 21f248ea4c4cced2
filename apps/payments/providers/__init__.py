"""Payment providers by name, configured in settings.PAYMENTS_PROVIDERS."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from apps.payments.providers.base import PaymentProvider
from apps.payments.providers.measured import MeasuredProvider

_CLASSES = {
    "sandbox": "apps.payments.providers.sandbox.SandboxProvider",
    "stripe": "apps.payments.providers.stripe.StripeProvider",
}


def enabled_providers() -> list[str]:
    return sorted(settings.PAYMENTS_PROVIDERS)


def get_provider(name: str) -> PaymentProvider:
    """The configured provider called `name`, measured; LookupError for one that is not enabled."""
    if name not in settings.PAYMENTS_PROVIDERS:
        raise LookupError(name)
    return _build(name, tuple(sorted(settings.PAYMENTS_PROVIDERS[name].items())))


@cache
def _build(name: str, options: tuple) -> PaymentProvider:
    # Keyed on the options too, so tests that override settings get a fresh client.
    return MeasuredProvider(import_string(_CLASSES[name])(**dict(options)))
