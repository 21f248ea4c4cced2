"""The event backbone's surface for business modules.

Declare:   order_created = domain_signal("orders.OrderCreated.v1")          (signals.py)
Send:      order_created.send(sender=Order, subject=..., aggregate_version=..., data=OrderCreatedData(...))
           (data: the type's dataclass in the module's event_data.py)
           inside the service's transaction.atomic()                          (services.py)
Subscribe: @subscribe("orders.OrderCreated.v1") def handle(envelope): ...     (handlers.py)
Project:   apply_if_newer(Model, lookup=..., version=..., values=...)         (order-tolerant)
Trace:     with continue_trace(envelope): ...   work caused by an event joins the request's trace
Shed:      @shed_when_backed_up on a non-critical write: 503 while the pipeline is behind
Deploy:    bind_events_queue(app, channel) when a worker connects (config/celery.py)
Staff:     known_event_types(), dead_letters_open_count(), pretty_json(envelope) for admin pages
"""

from apps.events.backpressure import shed_when_backed_up
from apps.events.display import pretty_json
from apps.events.outbox import OutsideTransaction, domain_signal
from apps.events.registry import subscribe
from apps.events.routing import bind_events_queue
from apps.events.selectors import Backlog, dead_letters_open_count, events_about, outbox_backlog
from apps.events.tracing import continue_trace, restoring_context
from apps.events.validation import known_event_types
from apps.events.versioned_writes import apply_if_newer

__all__ = [
    "Backlog",
    "OutsideTransaction",
    "apply_if_newer",
    "bind_events_queue",
    "continue_trace",
    "dead_letters_open_count",
    "domain_signal",
    "events_about",
    "known_event_types",
    "outbox_backlog",
    "pretty_json",
    "restoring_context",
    "shed_when_backed_up",
    "subscribe",
]
