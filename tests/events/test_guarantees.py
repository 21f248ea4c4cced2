"""Delivery guarantees with a real worker process, RabbitMQ and PostgreSQL."""

import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import transaction

from apps.events.models import DeadLetter, InboxEntry, OutboxEvent
from apps.events.replay import dead_letters_replay
from apps.events.tasks import dispatch
from tests.events.conftest import real_worker, wait_for
from tests.events.probe import signals
from tests.events.probe.models import Effect
from tests.events.probe.services import thing_do
from tests.helpers import service_command

pytestmark = [real_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
RECORD = "tests.events.probe.handlers.record"
FLAKY = "tests.events.probe.handlers.flaky"


def effects(handler: str | None = None, **filters) -> int:
    rows = Effect.objects.filter(**filters)
    return (rows.filter(handler=handler) if handler else rows).count()


def event_id_of(subject: str) -> str:
    return str(OutboxEvent.objects.get(subject=subject, handler="").event_id)


def drain(worker_queue_marker: str = "drain") -> None:
    """Send one more event and wait for it: the solo worker handles messages in order, so
    everything queued before it has been handled too."""
    subject = thing_do(note=worker_queue_marker)
    wait_for(lambda: effects("record", event_id=event_id_of(subject)) == 1, what="the drain event")


def test_committed_events_reach_every_subscriber_and_rolled_back_ones_never_exist(worker_process):
    worker_process.start()

    committed = thing_do(note="committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        thing_do(note="rolled back")
        raise RuntimeError("abort")

    event_id = event_id_of(committed)
    wait_for(lambda: effects(event_id=event_id) == 2, what="both handlers")
    drain()
    assert sorted(Effect.objects.filter(event_id=event_id).values_list("handler", flat=True)) == [
        "record",
        "record_again",
    ]
    assert OutboxEvent.objects.count() == 2  # the committed event and the drain event
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0


def test_duplicate_deliveries_have_their_effect_once(worker_process):
    worker_process.start()
    subject = thing_do(note="once")
    event_id = event_id_of(subject)
    wait_for(lambda: effects("record", event_id=event_id) == 1, what="first delivery")
    envelope = OutboxEvent.objects.get(subject=subject).envelope

    for _ in range(3):
        dispatch.apply_async(args=(envelope, RECORD))
    drain()

    assert effects("record", event_id=event_id) == 1
    assert InboxEntry.objects.filter(event_id=event_id, handler=RECORD).count() == 1


def test_a_worker_killed_mid_handler_leaves_the_event_for_the_next_one(worker_process, tmp_path: Path):
    worker_process.start()
    marker = tmp_path / "slow-started"
    subject = thing_do(signal=signals.slow_thing, marker=str(marker))
    wait_for(marker.exists, what="the slow handler to start")

    worker_process.kill()
    assert effects("slow") == 0  # its write never committed
    worker_process.start()

    event_id = event_id_of(subject)
    wait_for(lambda: effects("slow", event_id=event_id) == 1, what="redelivery after SIGKILL")
    drain()
    assert effects("slow", event_id=event_id) == 1


def test_events_committed_while_the_broker_is_down_are_delivered_once_it_is_back(worker_process):
    subprocess.run([service_command("rabbitmqctl"), "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        subjects = [thing_do(note=f"during outage {i}") for i in range(20)]  # nudges fail; commits do not
    finally:
        subprocess.run(
            [service_command("rabbitmqctl"), "start_app"], check=True, capture_output=True, timeout=120
        )
        wait_for(_broker_accepts_connections, timeout=60, what="RabbitMQ to come back")
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 20

    worker_process.start()  # its beat sweeps the outbox: no nudge survived the outage

    event_ids = [event_id_of(s) for s in subjects]
    wait_for(lambda: effects(event_id__in=event_ids) == 40, timeout=60, what="all 20 events, 2 handlers each")
    drain()
    assert effects(event_id__in=event_ids) == 40


def test_a_handler_that_keeps_failing_is_dead_lettered_after_every_retry(worker_process, tmp_path: Path):
    worker_process.start()
    counter = tmp_path / "attempts"
    subject = thing_do(signal=signals.flaky_thing, counter=str(counter), fail_times=99)

    wait_for(lambda: DeadLetter.objects.exists(), what="the dead letter")

    letter = DeadLetter.objects.get()
    assert (str(letter.event_id), letter.handler, letter.attempts) == (event_id_of(subject), FLAKY, 4)
    assert len(counter.read_text().splitlines()) == 4  # first try + the 3 retries of test settings
    assert letter.first_failed_at < letter.last_failed_at
    assert effects("flaky") == 0


def test_a_handler_that_recovers_has_its_effect_once(worker_process, tmp_path: Path):
    worker_process.start()
    counter = tmp_path / "attempts"
    subject = thing_do(signal=signals.flaky_thing, counter=str(counter), fail_times=2)

    wait_for(lambda: effects("flaky") == 1, what="the third attempt to succeed")

    assert len(counter.read_text().splitlines()) == 3
    assert not DeadLetter.objects.exists()
    assert list(
        OutboxEvent.objects.filter(subject=subject).order_by("attempt").values_list("handler", "attempt")
    ) == [
        ("", 1),
        (FLAKY, 2),
        (FLAKY, 3),
    ]


def test_a_replayed_dead_letter_has_its_effect_once(worker_process, tmp_path: Path):
    worker_process.start()
    counter = tmp_path / "attempts"
    thing_do(signal=signals.flaky_thing, counter=str(counter), fail_times=4)  # fails every scheduled attempt
    wait_for(lambda: DeadLetter.objects.exists(), what="the dead letter")
    letter = DeadLetter.objects.get()

    dead_letters_replay(dead_letter_ids=[letter.pk], dry_run=False)  # the fifth attempt succeeds
    wait_for(lambda: effects("flaky") == 1, what="the replay")
    dead_letters_replay(dead_letter_ids=[letter.pk], dry_run=False)  # replaying again changes nothing
    drain()
    time.sleep(0.5)

    assert effects("flaky") == 1
    assert len(counter.read_text().splitlines()) == 5  # the second replay never reached the handler


def _broker_accepts_connections() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True
