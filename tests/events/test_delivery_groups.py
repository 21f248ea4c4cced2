"""A dispatch chunk's deliveries to one handler share one inbox transaction; a group that fails
anywhere leaves nothing behind and goes one by one, so each delivery ends as it would alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.events.models import InboxEntry, OutboxEvent
from apps.events.relay import relay_batch
from apps.events.tasks import dispatch_many
from tests.events.probe import signals
from tests.events.probe.models import Effect
from tests.events.probe.services import thing_do
from tests.events.test_relay_batches import Broker, run_in_a_worker

pytestmark = pytest.mark.django_db
FLAKY = "tests.events.probe.handlers.flaky"


def relayed_chunk(monkeypatch) -> list[dict]:
    broker = Broker()
    monkeypatch.setattr(dispatch_many, "apply_async", broker.apply_async)
    relay_batch(batch_size=50)
    [chunk] = broker.chunks
    return chunk


def test_each_handlers_deliveries_cost_one_inbox_insert_and_the_handler_writes(settings, monkeypatch):
    settings.EVENTS_DISPATCH_CHUNK = 50
    for n in range(3):
        thing_do(note=str(n))  # two handlers each: 6 deliveries
    chunk = relayed_chunk(monkeypatch)

    with CaptureQueriesContext(connection) as queries:
        outcomes = run_in_a_worker(chunk)

    assert outcomes == ["processed"] * 6
    statements = [q["sql"].split(" (")[0].split(" VALUES")[0] for q in queries.captured_queries]
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert inserts == [
        'INSERT INTO "events_inboxentry"',  # the record handler's three inbox rows, one statement
        *['INSERT INTO "probe_effect"'] * 3,
        'INSERT INTO "events_inboxentry"',  # record_again's
        *['INSERT INTO "probe_effect"'] * 3,
    ]
    assert len(statements) == 8 + 4  # and a savepoint and its release per group (the test's transaction)
    assert InboxEntry.objects.count() == 6
    assert sorted(Effect.objects.values_list("handler", flat=True)) == ["record"] * 3 + ["record_again"] * 3


def test_a_failure_in_a_group_rolls_it_back_whole_and_each_delivery_ends_as_it_would_alone(
    settings, monkeypatch, tmp_path
):
    settings.EVENTS_DISPATCH_CHUNK = 50
    # The first never fails; the second fails twice: in the group, then alone (a retry is due).
    thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "fine"), fail_times=0)
    thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "failing"), fail_times=2)
    chunk = relayed_chunk(monkeypatch)

    outcomes = run_in_a_worker(chunk)

    assert outcomes == ["processed", "retry_scheduled"]
    # The neighbour ran twice (in the rolled-back group, then alone) and its effect is there once.
    assert len((tmp_path / "fine").read_text().splitlines()) == 2
    assert list(Effect.objects.values_list("handler", flat=True)) == ["flaky"]
    [handled] = InboxEntry.objects.filter(handler=FLAKY)
    assert str(handled.event_id) == chunk[0]["envelope"]["id"]
    assert OutboxEvent.objects.filter(handler=FLAKY, attempt=2).count() == 1


def test_a_chunk_delivered_again_is_all_duplicates_and_changes_nothing(settings, monkeypatch):
    settings.EVENTS_DISPATCH_CHUNK = 50
    for n in range(2):
        thing_do(note=str(n))
    chunk = relayed_chunk(monkeypatch)
    assert run_in_a_worker(chunk) == ["processed"] * 4

    assert run_in_a_worker(chunk) == ["duplicate"] * 4  # the group's inbox INSERT failed: one by one

    assert Effect.objects.count() == 4
    assert InboxEntry.objects.count() == 4
