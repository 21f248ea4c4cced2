"""Domain signals become outbox rows in the sender's transaction; a commit nudges the relay."""

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.dispatch import Signal

from apps.events import metrics, validation
from apps.events.envelope import build_envelope, event_module
from apps.events.models import OutboxEvent
from apps.events.tracing import restoring_context

logger = structlog.get_logger(__name__)

# Set while a relay task is queued or starting, so a burst of commits enqueues one relay, not one each.
RELAY_NUDGE_KEY = "events:relay:nudged"
RELAY_NUDGE_TTL = 5  # seconds; if the nudged relay is lost, the next commit after this nudges again

_event_types: dict[Signal, str] = {}


class OutsideTransaction(RuntimeError):
    """A domain signal was sent outside transaction.atomic(): its event could outlive a rollback."""


def domain_signal(event_type: str) -> Signal:
    """Declare a module's domain signal (in its signals.py), e.g. domain_signal("orders.OrderCreated.v1").

    Services send it inside their transaction:
        order_created.send(sender=Order, subject=order.pk, aggregate_version=order.version, data=OrderCreatedData(...))
    and the event is written to the outbox in that same transaction.
    """
    event_module(event_type)  # validates the name
    signal = Signal()
    _event_types[signal] = event_type
    signal.connect(_record, weak=False, dispatch_uid=f"events.outbox:{event_type}")
    return signal


def _record(
    sender, signal: Signal, *, subject, data, aggregate_version: int, event_id=None, **kwargs
) -> None:
    """`event_id` given: the producer's own id, recorded once however often it is sent (a
    producer outside PostgreSQL's transaction re-sends after a crash; see apps/catalog)."""
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransaction(f"send {_event_types[signal]} inside transaction.atomic()")
    validation.check_data_class(_event_types[signal], data)
    if event_id is not None and OutboxEvent.objects.filter(event_id=event_id, handler="").exists():
        return
    envelope = build_envelope(
        event_type=_event_types[signal],
        subject=subject,
        data=data,
        aggregate_version=aggregate_version,
        event_id=event_id,
    )
    if settings.EVENTS_VALIDATE_ON_SEND:
        validation.validate_emitted(envelope)
    if settings.EVENTS_SAMPLE_DIR:
        validation.record_sample(envelope)
    row = {"event_id": envelope["id"], "type": envelope["type"], "subject": envelope["subject"]}
    if event_id is None:
        OutboxEvent.objects.create(**row, envelope=envelope)
    else:
        try:
            with transaction.atomic():  # savepoint: a concurrent re-send of this event_id may win
                OutboxEvent.objects.create(**row, envelope=envelope)
        except IntegrityError:
            return
    transaction.on_commit(nudge_relay, robust=True)


def nudge_relay(*, countdown: float | None = None) -> None:
    """Ask for a relay run now (or in `countdown` seconds, for a retry that falls due then).

    Never fails the caller: the periodic sweep covers a lost nudge.
    """
    from apps.events.tasks import relay  # tasks import this module

    if countdown is not None and relay.app.conf.task_always_eager:
        return  # in-process tasks cannot wait: the retry waits for the next commit's nudge
    try:
        if countdown is None and not cache.add(RELAY_NUDGE_KEY, 1, timeout=RELAY_NUDGE_TTL):
            return  # a relay is already on its way and will see this event
        with restoring_context():
            relay.apply_async(countdown=countdown, retry=False)
    except Exception as exc:
        metrics.relay_nudges_failed.inc()
        logger.warning("relay_nudge_failed", error=str(exc))
        if countdown is None:  # the key we set announces a relay that is not coming
            try:
                cache.delete(RELAY_NUDGE_KEY)
            except Exception:  # cache down as well: the key expires by itself
                logger.debug("relay_nudge_key_not_cleared")
