"""The relay publishes chunks of events, one message each, to the deployments subscribed to their
type; the worker runs each event through its own subscribers: still at least once, effects once.

The broker's side is forced here (a publish that fails after earlier chunks went out, a message
delivered twice); the guarantees across real processes are in test_guarantees.py.
"""

import dataclasses

import pytest
from celery.exceptions import Retry
from django.db import OperationalError

from apps.events import registry
from apps.events.models import InboxEntry, OutboxEvent
from apps.events.relay import relay_batch
from apps.events.tasks import dispatch_many
from tests.events.probe import signals
from tests.events.probe.models import Effect
from tests.events.probe.services import thing_do

pytestmark = pytest.mark.django_db
RECORD = "tests.events.probe.handlers.record"
RECORD_AGAIN = "tests.events.probe.handlers.record_again"


class Broker:
    """Stands in for dispatch_many's publish: keeps each chunk, refuses the publishes it is told to."""

    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.fail_on = fail_on or set()
        self.chunks: list[list[dict]] = []
        self.calls = 0

        self.destinations: list[dict] = []

    def apply_async(self, args, **kwargs) -> None:
        self.calls += 1
        if self.calls in self.fail_on:
            raise ConnectionError("broker went away mid-batch")
        self.chunks.append(args[0])
        self.destinations.append({key: kwargs.get(key) for key in ("exchange", "routing_key", "queue")})


def run_in_a_worker(chunk: list[dict]) -> list[str]:
    """What a worker does with one message: the real task, not eager (outages retry on the broker)."""
    dispatch_many.push_request(retries=0, is_eager=False)
    try:
        return dispatch_many.run(chunk)
    finally:
        dispatch_many.pop_request()


def test_a_batch_is_a_few_messages_by_event_type_naming_no_handler(settings, monkeypatch):
    settings.EVENTS_DISPATCH_CHUNK = 4
    subjects = [thing_do(note=str(n)) for n in range(5)]  # two handlers each: 10 deliveries
    broker = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", broker.apply_async)

    assert relay_batch(batch_size=10) == 5

    assert [len(chunk) for chunk in broker.chunks] == [4, 1]
    topic = {"exchange": settings.EVENTS_EXCHANGE, "routing_key": "probe.ThingHappened.v1", "queue": None}
    assert broker.destinations == [topic, topic]
    assert {d["handler"] for c in broker.chunks for d in c} == {None}  # the consumer knows its handlers
    events = [d["envelope"] for c in broker.chunks for d in c]
    assert [e["subject"] for e in events] == subjects
    assert [run_in_a_worker(chunk) for chunk in broker.chunks] == [["processed"] * 8, ["processed"] * 2]
    assert {(str(e.event_id), e.handler) for e in Effect.objects.all()} == {
        (e["id"], h) for e in events for h in ("record", "record_again")
    }
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


def test_a_retry_row_goes_to_this_deployments_own_queue_naming_its_handler(settings, monkeypatch):
    thing_do(note="retried")
    broker = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", broker.apply_async)
    relay_batch(batch_size=10)
    [event] = broker.chunks[0]
    OutboxEvent.objects.create(
        event_id=event["envelope"]["id"],
        type=event["envelope"]["type"],
        subject=event["envelope"]["subject"],
        envelope=event["envelope"],
        handler=RECORD,
        attempt=2,
    )

    assert relay_batch(batch_size=10) == 1

    assert broker.destinations[-1] == {"exchange": None, "routing_key": None, "queue": settings.EVENTS_QUEUE}
    [retry] = broker.chunks[-1]
    assert (retry["handler"], retry["attempt"]) == (RECORD, 2)


def test_a_publish_failing_mid_batch_leaves_every_row_pending_and_the_repeat_has_its_effect_once(
    settings, monkeypatch
):
    settings.EVENTS_DISPATCH_CHUNK = 2
    for n in range(3):
        thing_do(note=str(n))  # 6 deliveries: chunks of 2, the second publish fails
    failing = Broker(fail_on={2})
    monkeypatch.setattr(dispatch_many, "apply_async", failing.apply_async)

    with pytest.raises(ConnectionError):
        relay_batch(batch_size=10)

    assert len(failing.chunks) == 1  # the first chunk reached the broker before the failure
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 3  # nothing marked

    working = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", working.apply_async)
    assert relay_batch(batch_size=10) == 3

    for chunk in failing.chunks + working.chunks:  # the first chunk arrives twice
        run_in_a_worker(chunk)
    assert Effect.objects.count() == 6
    assert sorted(Effect.objects.values_list("handler", flat=True)) == ["record"] * 3 + ["record_again"] * 3
    assert InboxEntry.objects.count() == 6


def test_an_outage_mid_chunk_retries_only_the_deliveries_not_done(settings, monkeypatch):
    settings.EVENTS_DISPATCH_CHUNK = 10
    for n in range(3):
        thing_do(note=str(n))
    broker = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", broker.apply_async)
    relay_batch(batch_size=10)
    [chunk] = broker.chunks  # 3 events; each goes to record, then record_again
    down = chunk[1]  # the second event meets the database down in record (in its group, then alone)
    record = registry.subscription(RECORD)

    def record_unless_down(envelope):
        if envelope["id"] == down["envelope"]["id"]:
            raise OperationalError("connection refused")
        record.func(envelope)

    monkeypatch.setitem(registry._by_name, RECORD, dataclasses.replace(record, func=record_unless_down))
    retried = {}

    def retry(*, args, exc, countdown, **options):
        retried["args"], retried["options"] = args, options
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(dispatch_many, "retry", retry)

    with pytest.raises(Retry):
        run_in_a_worker(chunk)

    [rest] = retried["args"]
    # The failed delivery first, then the one never tried (record_again's group had committed),
    # each naming its handler, and back to this deployment's queue only (not the exchange, which
    # would reach every subscriber of the type).
    assert [(d["envelope"]["id"], d["handler"]) for d in rest] == [
        (e["envelope"]["id"], RECORD) for e in chunk[1:]
    ]
    assert retried["options"] == {"queue": settings.EVENTS_QUEUE}
    assert InboxEntry.objects.count() == 4  # record_again's three, and record's one before it
    monkeypatch.setitem(registry._by_name, RECORD, record)
    assert run_in_a_worker(rest) == ["processed"] * 2
    assert InboxEntry.objects.count() == 6
    assert Effect.objects.count() == 6


def test_a_handler_failure_in_a_chunk_schedules_its_retry_and_the_chunk_goes_on(
    settings, monkeypatch, tmp_path
):
    settings.EVENTS_DISPATCH_CHUNK = 10
    thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "attempts"), fail_times=1)
    thing_do(note="after")
    broker = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", broker.apply_async)
    relay_batch(batch_size=10)
    flaky, after = broker.chunks  # a message per event type; a worker takes any mix as one

    outcomes = run_in_a_worker([*flaky, *after])

    assert outcomes == ["retry_scheduled", "processed", "processed"]
    assert OutboxEvent.objects.filter(handler="tests.events.probe.handlers.flaky", attempt=2).count() == 1
    assert set(Effect.objects.values_list("handler", flat=True)) == {"record", "record_again"}
    assert InboxEntry.objects.filter(handler=RECORD).count() == 1
