"""Every call to a payment provider timed, counted by outcome, and traced in a span of its own."""

import time

from opentelemetry import trace
from prometheus_client import Counter, Histogram

from apps.payments.providers.base import Declined, PaymentProvider, Rejected, Unavailable

tracer = trace.get_tracer(__name__)

provider_duration = Histogram(
    "payment_provider_request_duration_seconds",
    "Time a payment provider took to answer",
    ["provider", "operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
provider_requests = Counter(
    "payment_provider_requests_total",
    "Payment provider calls by outcome: ok, declined, unavailable (timeout, 5xx), rejected (the"
    " provider refused our request: our bug or configuration), error (a bug)",
    ["provider", "operation", "outcome"],
)
# Defined here, beside the provider calls, so the web process exports it too (one definition set
# for web and worker): incremented by reconciliation, in the worker or the management command.
reconciliation_findings = Counter(
    "payment_reconciliation_findings_total",
    "What reconciliation with the provider found and did, by provider and finding (needs_staff:"
    " someone must act: an authorization let go, a refund not made)",
    ["provider", "finding", "needs_staff"],
)
CALLS = (
    "authorize",
    "capture",
    "void",
    "refund",
    "retrieve",
)  # what goes over the wire; parse_webhook does not


class MeasuredProvider:
    """Wraps a provider; callers see the same interface."""

    def __init__(self, provider: PaymentProvider) -> None:
        self.wrapped = provider

    def __getattr__(self, name: str):
        attribute = getattr(self.wrapped, name)
        if name not in CALLS:
            return attribute
        return lambda **kwargs: self._call(name, attribute, kwargs)

    def _call(self, operation: str, method, kwargs: dict):
        provider = self.wrapped.name
        outcome = "error"
        started = time.perf_counter()
        # Attributes name the call, never the payment method, amounts' owner or card data.
        with tracer.start_as_current_span(
            f"payments.{operation}", attributes={"payment.provider": provider, "payment.operation": operation}
        ) as span:
            try:
                result = method(**kwargs)
                outcome = "ok"
                return result
            except Declined as declined:
                outcome = "declined"
                span.set_attribute("payment.decline_code", declined.code)
                raise
            except Unavailable:
                outcome = "unavailable"
                raise
            except Rejected:
                outcome = "rejected"
                raise
            finally:
                span.set_attribute("payment.outcome", outcome)
                provider_duration.labels(provider, operation).observe(time.perf_counter() - started)
                provider_requests.labels(provider, operation, outcome).inc()
