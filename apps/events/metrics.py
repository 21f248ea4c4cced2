"""Prometheus counters for the event backbone (exposed with the other metrics at /metrics)."""

from prometheus_client import Counter, Histogram

events_relayed = Counter("events_relayed_total", "Outbox events published to the broker", ["type"])
events_unrouted = Counter("events_unrouted_total", "Outbox events no handler subscribes to", ["type"])
relay_nudges_failed = Counter("events_relay_nudges_failed_total", "Relay nudges that could not be enqueued")
handler_outcomes = Counter(
    "events_handler_outcomes_total",
    "Handler deliveries by outcome: processed, duplicate, retried, dead_lettered",
    ["handler", "outcome"],
)
handler_failures = Counter(
    "events_handler_failures_total",
    "Handler runs that raised (each then retried or dead-lettered)",
    ["handler"],
)
handler_duration = Histogram("events_handler_duration_seconds", "Handler run time", ["handler"])
events_redriven = Counter(
    "events_redriven_total",
    "(event, handler) pairs the stalled-delivery sweep sent again (no inbox row, dead letter or newer attempt)",
    ["handler"],
)
