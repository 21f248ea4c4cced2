"""Where relayed events go on the broker, so that any deployment can consume them.

A new event is published once to the topic exchange EVENTS_EXCHANGE with its type as routing key.
Each deployment's events queue (EVENTS_QUEUE) is bound to the types its own handlers subscribe
to, when its worker connects: the relay names no handler and imports none, and the worker runs
the subscribers it has. A retry, replay or re-drive row names one of this deployment's handlers
and goes straight to its own queue.
"""

import structlog
from django.conf import settings
from kombu import Exchange

from apps.events import registry

logger = structlog.get_logger(__name__)


def events_exchange() -> Exchange:
    return Exchange(settings.EVENTS_EXCHANGE, type="topic", durable=True)


def to_subscribers(event_type: str) -> dict:
    """apply_async options: every deployment whose queue is bound to `event_type`."""
    return {"exchange": settings.EVENTS_EXCHANGE, "routing_key": event_type}


def to_own_queue() -> dict:
    """apply_async options: this deployment's events queue (deliveries naming its own handlers)."""
    return {"queue": settings.EVENTS_QUEUE}


def bind_events_queue(app, channel) -> list[str]:
    """Declare the exchange and this deployment's events queue, and bind the queue to every event
    type a local handler subscribes to. Idempotent; called each time a worker connects. A binding
    left from a handler since removed only brings events nobody here handles (acked, counted)."""
    exchange = events_exchange()(channel)
    exchange.declare()
    queue = app.amqp.queues[settings.EVENTS_QUEUE](channel)
    queue.declare()
    event_types = sorted(registry.event_types())
    for event_type in event_types:
        queue.bind_to(exchange=exchange, routing_key=event_type)
    logger.info("events_queue_bound", queue=queue.name, exchange=exchange.name, event_types=len(event_types))
    return event_types
