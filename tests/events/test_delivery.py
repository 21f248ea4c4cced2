"""Handler delivery in-process: inbox, retries, dead letters, schemas, replay, projections.

The delivery guarantees across processes (a real worker, a killed worker, a stopped broker)
are in test_guarantees.py.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.events.delivery import deliver
from apps.events.models import DeadLetter, InboxEntry, OutboxEvent
from apps.events.public import apply_if_newer
from apps.events.replay import dead_letters_replay
from tests.events.probe import signals
from tests.events.probe.models import Effect, ThingReport
from tests.events.probe.services import thing_do

pytestmark = pytest.mark.django_db
RECORD = "tests.events.probe.handlers.record"
FLAKY = "tests.events.probe.handlers.flaky"


def envelope_of(subject: str) -> dict:
    return OutboxEvent.objects.get(subject=subject, handler="").envelope


def test_a_handler_has_its_effect_once_however_often_the_event_arrives():
    envelope = envelope_of(thing_do(note="x"))

    outcomes = [deliver(envelope, RECORD) for _ in range(3)]

    assert outcomes == ["processed", "duplicate", "duplicate"]
    assert Effect.objects.filter(handler="record").count() == 1
    assert InboxEntry.objects.filter(event_id=envelope["id"], handler=RECORD).count() == 1


def test_a_failure_schedules_the_next_attempt_in_the_outbox(tmp_path: Path):
    envelope = envelope_of(thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "n"), fail_times=5))
    before = timezone.now()

    assert deliver(envelope, FLAKY) == "retry_scheduled"

    retry = OutboxEvent.objects.get(handler=FLAKY)
    assert (retry.attempt, retry.replay, retry.published_at, retry.envelope) == (2, 0, None, envelope)
    # First delay in test settings is 0.2 s, jittered ±20 %.
    assert before + timedelta(seconds=0.16) <= retry.available_at <= timezone.now() + timedelta(seconds=0.24)
    assert Effect.objects.count() == 0
    assert InboxEntry.objects.count() == 0  # the failed attempt's inbox row rolled back with it


def test_the_last_failure_becomes_a_dead_letter_with_every_attempt_counted(tmp_path: Path):
    envelope = envelope_of(thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "n"), fail_times=99))
    first_failed_at = timezone.now() - timedelta(minutes=3)

    outcome = deliver(envelope, FLAKY, attempt=4, first_failed_at=first_failed_at.isoformat())

    assert outcome == "dead_lettered"  # three retries in test settings: attempt 4 is the last
    letter = DeadLetter.objects.get()
    assert (letter.event_id.hex, letter.handler, letter.attempts) == (
        envelope["id"].replace("-", ""),
        FLAKY,
        4,
    )
    assert letter.first_failed_at == first_failed_at
    assert letter.error == "RuntimeError: flaky handler failing on purpose"
    assert "raise RuntimeError" in letter.traceback
    assert letter.envelope == envelope
    assert not OutboxEvent.objects.filter(handler=FLAKY).exists()


def test_a_redelivered_failure_does_not_schedule_the_same_retry_twice(tmp_path: Path):
    envelope = envelope_of(thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "n"), fail_times=5))

    deliver(envelope, FLAKY, attempt=2)
    deliver(envelope, FLAKY, attempt=2)

    assert list(OutboxEvent.objects.filter(handler=FLAKY).values_list("attempt", flat=True)) == [3]


def test_data_that_fails_its_schema_is_dead_lettered_at_once(settings, tmp_path: Path):
    schema = {
        "type": "object",
        "required": ["note"],
        "properties": {"note": {"type": "string", "maxLength": 5}},
    }
    (tmp_path / "probe.ThingHappened.v1.json").write_text(json.dumps(schema))
    settings.EVENTS_SCHEMA_DIR = tmp_path
    settings.EVENTS_VALIDATE_ON_SEND = False  # a producer that skipped its own check
    settings.EVENTS_SAMPLE_DIR = tmp_path / "samples"  # not the shared samples contracts/node checks
    envelope = envelope_of(thing_do(note="far too long"))

    assert deliver(envelope, RECORD) == "dead_lettered"

    letter = DeadLetter.objects.get()
    assert letter.attempts == 1
    assert letter.error == 'SchemaViolation: data/note: "far too long" is longer than 5 characters'
    assert Effect.objects.count() == 0
    assert not OutboxEvent.objects.filter(handler=RECORD).exists()  # no retry: it cannot succeed


def test_an_unknown_handler_is_dead_lettered_not_crashed_on():
    envelope = envelope_of(thing_do(note="x"))

    assert deliver(envelope, "apps.gone.handlers.removed_in_last_deploy") == "dead_lettered"
    assert (
        DeadLetter.objects.get().error
        == "LookupError: no handler named apps.gone.handlers.removed_in_last_deploy"
    )


def make_dead_letter(tmp_path: Path, fail_times: int) -> tuple[DeadLetter, dict]:
    envelope = envelope_of(
        thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "n"), fail_times=fail_times)
    )
    deliver(envelope, FLAKY, attempt=4)
    return DeadLetter.objects.get(event_id=envelope["id"]), envelope


def test_replay_goes_back_through_the_outbox_to_the_one_handler(tmp_path: Path):
    letter, envelope = make_dead_letter(tmp_path, fail_times=1)  # the next attempt succeeds

    plan = dead_letters_replay(dead_letter_ids=[letter.pk], dry_run=False)

    assert [p.describe() for p in plan] == [
        f"probe.FlakyThing.v1 {envelope['id']} → {FLAKY}: would run again"
    ]
    replay = OutboxEvent.objects.get(handler=FLAKY)
    assert (replay.attempt, replay.replay, replay.published_at) == (1, 1, None)
    letter.refresh_from_db()
    assert letter.replay_count == 1 and letter.replayed_at is not None
    assert deliver(envelope, FLAKY, replay=1) == "processed"
    assert Effect.objects.filter(handler="flaky").count() == 1


def test_a_dry_run_changes_nothing(tmp_path: Path):
    letter, _ = make_dead_letter(tmp_path, fail_times=1)

    plan = dead_letters_replay(dead_letter_ids=[letter.pk], dry_run=True)

    assert len(plan) == 1 and plan[0].already_processed is False
    assert not OutboxEvent.objects.filter(handler=FLAKY).exists()
    letter.refresh_from_db()
    assert (letter.replay_count, letter.replayed_at) == (0, None)


def test_replaying_an_event_already_processed_does_nothing(tmp_path: Path):
    letter, envelope = make_dead_letter(tmp_path, fail_times=1)
    deliver(envelope, FLAKY, replay=1)  # processed since, e.g. by an earlier replay

    (plan,) = dead_letters_replay(dead_letter_ids=[letter.pk], dry_run=False)

    assert plan.already_processed is True
    assert deliver(envelope, FLAKY, replay=2) == "duplicate"
    assert Effect.objects.filter(handler="flaky").count() == 1


def test_the_command_replays_a_time_window_with_a_dry_run_first(tmp_path: Path, capsys):
    letter, envelope = make_dead_letter(tmp_path, fail_times=1)
    since = (letter.last_failed_at - timedelta(minutes=1)).isoformat()

    call_command("replay_dead_letters", "--since", since, "--dry-run")
    dry = capsys.readouterr().out
    call_command("replay_dead_letters", "--since", since)
    real = capsys.readouterr().out

    assert dry.splitlines() == [
        f"probe.FlakyThing.v1 {envelope['id']} → {FLAKY}: would run again",
        "Would replay 1 dead letter(s).",
    ]
    assert real.splitlines()[-1] == "Replayed 1 dead letter(s)."
    assert OutboxEvent.objects.filter(handler=FLAKY, replay=1).count() == 1


@pytest.mark.parametrize(
    ("versions", "final"), [((1, 2, 3), ("v3", 3)), ((3, 1, 2), ("v3", 3)), ((2, 2), ("v2", 2))]
)
def test_projections_keep_the_newest_version_whatever_the_arrival_order(versions, final):
    written = [
        apply_if_newer(ThingReport, lookup={"thing_id": "t-1"}, version=v, values={"status": f"v{v}"})
        for v in versions
    ]

    report = ThingReport.objects.get(thing_id="t-1")
    assert (report.status, report.aggregate_version) == final
    assert written[0] is True
    assert written.count(True) == len({v for i, v in enumerate(versions) if v > max(versions[:i], default=0)})


def test_without_a_broker_events_are_handled_in_process_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The embedded default (`make run`): no broker, so the relay and handlers run eagerly."""
    from config.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    with django_capture_on_commit_callbacks(execute=True):
        subject = thing_do(note="embedded")

    event_id = OutboxEvent.objects.get(subject=subject).event_id
    assert sorted(Effect.objects.filter(event_id=event_id).values_list("handler", flat=True)) == [
        "record",
        "record_again",
    ]
    assert OutboxEvent.objects.get(subject=subject).published_at is not None
