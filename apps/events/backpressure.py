"""Backpressure: refuse non-critical writes while the event pipeline is behind.

A sample of the outbox backlog and the broker's queue depths is taken at most every
BACKPRESSURE_SAMPLE_SECONDS per process (one COUNT and one passive queue declare per queue), so
checking it on every request costs nothing. While a sample is past a threshold, the writes
decorated with @shed_when_backed_up answer 503 + Retry-After; the next sample under the
thresholds lets them through again. Reads, the admin, health checks and provider webhooks never
look at it: they keep working, and webhooks are how payments settle.
"""

import functools
import threading
import time
from dataclasses import dataclass, field

import structlog
from django.conf import settings
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.common.metrics import route_of
from apps.common.problems import Problem
from apps.events.models import DeadLetter
from apps.events.selectors import Backlog, outbox_backlog

logger = structlog.get_logger(__name__)

shed_requests = Counter("backpressure_shed_requests_total", "Writes refused with 503", ["route"])


@dataclass(frozen=True)
class QueueDepth:
    messages: int  # ready, not yet delivered to a worker
    consumers: int


@dataclass(frozen=True)
class Pressure:
    outbox: Backlog | None  # None: the database could not be asked
    queues: dict[str, QueueDepth]  # queues the broker answered for
    dead_letters: int | None
    reasons: tuple[str, ...] = ()
    taken_at: float = field(default_factory=time.monotonic)

    @property
    def shedding(self) -> bool:
        return bool(self.reasons)


def take_sample() -> Pressure:
    """Measure now, without the cache; a store that does not answer counts as no pressure (the
    readiness checks report outages; shedding is about load)."""
    outbox = dead_letters = None
    try:
        outbox = outbox_backlog()
        dead_letters = DeadLetter.objects.filter(replayed_at__isnull=True).count()
    except Exception as exc:
        logger.warning("backpressure_outbox_unreadable", error=str(exc))
    queues = _queue_depths()
    return Pressure(outbox, queues, dead_letters, reasons=_reasons(outbox, queues))


def _reasons(outbox: Backlog | None, queues: dict[str, QueueDepth]) -> tuple[str, ...]:
    reasons = []
    if outbox is not None:
        if outbox.pending > settings.BACKPRESSURE_OUTBOX_PENDING_MAX:
            reasons.append(f"outbox pending {outbox.pending} > {settings.BACKPRESSURE_OUTBOX_PENDING_MAX}")
        age = outbox.oldest_pending_age.total_seconds() if outbox.oldest_pending_age else 0.0
        if age > settings.BACKPRESSURE_OUTBOX_AGE_MAX:
            reasons.append(f"oldest outbox event {age:.0f}s > {settings.BACKPRESSURE_OUTBOX_AGE_MAX:.0f}s")
    for name in settings.BACKPRESSURE_SHED_ON_QUEUES:
        depth = queues.get(name)
        if depth and depth.messages > settings.BACKPRESSURE_QUEUE_DEPTH_MAX:
            reasons.append(f"queue {name} {depth.messages} > {settings.BACKPRESSURE_QUEUE_DEPTH_MAX}")
    return tuple(reasons)


def _queue_depths() -> dict[str, QueueDepth]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {}
    from config.celery import app

    depths = {}
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0, timeout=2)
            for queue in settings.CELERY_TASK_QUEUES:
                # A channel per queue: asking for a queue that does not exist yet closes the channel.
                with connection.channel() as channel:
                    try:
                        _, messages, consumers = channel.queue_declare(queue=queue.name, passive=True)
                    except connection.channel_errors:
                        continue  # not declared yet: no worker has started, nothing is queued
                depths[queue.name] = QueueDepth(messages, consumers)
    except Exception as exc:
        logger.warning("backpressure_broker_unreadable", error=str(exc))
    return depths


class _Sampler:
    """The latest sample, refreshed by one thread while the others keep using the previous one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sample: Pressure | None = None

    def current(self) -> Pressure:
        sample = self._sample
        if self._fresh(sample):
            return sample
        if not self._lock.acquire(blocking=sample is None):
            return sample  # another thread is measuring; this one does not wait for it
        try:
            if self._fresh(self._sample):  # measured while this thread waited for the lock
                return self._sample
            fresh = take_sample()
            if fresh.shedding != (sample is not None and sample.shedding):
                logger.warning("backpressure_changed", shedding=fresh.shedding, reasons=list(fresh.reasons))
            self._sample = fresh
            return fresh
        finally:
            self._lock.release()

    @staticmethod
    def _fresh(sample: Pressure | None) -> bool:
        return (
            sample is not None and time.monotonic() - sample.taken_at < settings.BACKPRESSURE_SAMPLE_SECONDS
        )

    def forget(self) -> None:
        self._sample = None


sampler = _Sampler()


def current_pressure() -> Pressure:
    return sampler.current()


def shed_when_backed_up(view_method):
    """Decorate a DRF view method: 503 + Retry-After while the pipeline is past its thresholds.
    Put it above @idempotent, so a refused request claims no key and a retry runs normally."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        if current_pressure().shedding:
            shed_requests.labels(route_of(request)).inc()
            raise Problem(
                status=503,
                slug="overloaded",
                detail="The shop is busy working through earlier orders; please retry shortly.",
                retry_after=settings.BACKPRESSURE_RETRY_AFTER,
            )
        return view_method(view, request, *args, **kwargs)

    return wrapper


class PressureCollector(Collector):
    """Backlog, queue depth and shedding as gauges, from the cached sample (scrapes add no load)."""

    def collect(self):
        sample = current_pressure()
        yield _gauge("backpressure_shedding", "1 while non-critical writes are refused", int(sample.shedding))
        if sample.outbox is not None:
            age = sample.outbox.oldest_pending_age
            yield _gauge(
                "events_outbox_pending", "Outbox events due and not yet published", sample.outbox.pending
            )
            yield _gauge(
                "events_outbox_scheduled",
                "Retries and replays waiting for their time",
                sample.outbox.scheduled,
            )
            yield _gauge(
                "events_outbox_oldest_pending_age_seconds",
                "How long the oldest due event has waited",
                age.total_seconds() if age else 0.0,
            )
        if sample.dead_letters is not None:
            yield _gauge("events_dead_letters_pending", "Dead letters not replayed", sample.dead_letters)
        messages = GaugeMetricFamily("broker_queue_messages", "Ready messages per queue", labels=["queue"])
        consumers = GaugeMetricFamily("broker_queue_consumers", "Consumers per queue", labels=["queue"])
        for name, depth in sorted(sample.queues.items()):
            messages.add_metric([name], depth.messages)
            consumers.add_metric([name], depth.consumers)
        yield messages
        yield consumers


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
