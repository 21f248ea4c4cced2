"""The event backbone's surface for business modules.

Declare:   order_created = domain_signal("orders.OrderCreated.v1")          (signals.py)
Send:      order_created.send(sender=Order, subject=..., aggregate_version=..., data=...)
           inside the service's transaction.atomic()                          (services.py)
Subscribe: @subscribe("orders.OrderCreated.v1") def handle(envelope): ...     (handlers.py)
Project:   apply_if_newer(Model, lookup=..., version=..., values=...)         (order-tolerant)
Trace:     with continue_trace(envelope): ...   work caused by an event joins the request's trace
Shed:      @shed_when_backed_up on a non-critical write: 503 while the pipeline is behind
"""

from apps.events.backpressure import shed_when_backed_up
from apps.events.outbox import OutsideTransaction, domain_signal
from apps.events.registry import subscribe
from apps.events.selectors import Backlog, events_about, outbox_backlog
from apps.events.tracing import continue_trace, restoring_context
from apps.events.versioned_writes import apply_if_newer

__all__ = [
    "Backlog",
    "OutsideTransaction",
    "apply_if_newer",
    "continue_trace",
    "domain_signal",
    "events_about",
    "outbox_backlog",
    "restoring_context",
    "shed_when_backed_up",
    "subscribe",
]
