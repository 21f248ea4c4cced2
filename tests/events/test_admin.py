from pathlib import Path

import pytest

from apps.events.delivery import deliver
from apps.events.models import DeadLetter, OutboxEvent
from tests.events.probe import signals
from tests.events.probe.services import thing_do
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db
FLAKY = "tests.events.probe.handlers.flaky"


@pytest.fixture
def dead_letter(tmp_path: Path) -> DeadLetter:
    subject = thing_do(signal=signals.flaky_thing, counter=str(tmp_path / "n"), fail_times=1)
    deliver(OutboxEvent.objects.get(subject=subject).envelope, FLAKY, attempt=4)
    return DeadLetter.objects.get()


def test_outbox_changelist_shows_the_backlog(admin_client):
    thing_do(signal=signals.unheard_thing)

    response = admin_client.get("/admin/events/outboxevent/")

    assert response.status_code == 200
    assert response.context["backlog"].pending == 1
    assert "Backlog: <strong>1</strong> pending now" in response.content.decode()


def test_dead_letters_list_with_status_and_filters(admin_client, dead_letter):
    response = admin_client.get("/admin/events/deadletter/?settled=no")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [dead_letter]
    assert admin_client.get("/admin/events/deadletter/?settled=yes").context["cl"].result_count == 0


def test_replay_selected_from_the_admin(admin_client, dead_letter):
    response = admin_client.post(
        "/admin/events/deadletter/",
        {"action": "replay_selected", "_selected_action": [dead_letter.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Replayed 1 dead letter(s)." in [str(m) for m in response.context["messages"]]
    assert OutboxEvent.objects.filter(handler=FLAKY, replay=1).count() == 1


def test_dry_run_selected_replays_nothing(admin_client, dead_letter):
    response = admin_client.post(
        "/admin/events/deadletter/",
        {"action": "dry_run_selected", "_selected_action": [dead_letter.pk]},
        follow=True,
    )

    assert "Dry run — would replay 1 dead letter(s)." in [str(m) for m in response.context["messages"]]
    assert not OutboxEvent.objects.filter(handler=FLAKY).exists()


def test_replay_a_time_window(admin_client, dead_letter):
    day = dead_letter.last_failed_at.date().isoformat()
    window = {
        "failed_from_0": day,
        "failed_from_1": "00:00:00",
        "failed_until_0": "2100-01-01",
        "failed_until_1": "00:00:00",
    }

    dry = admin_client.post("/admin/events/deadletter/replay-window/", {**window, "dry_run": "on"})
    real = admin_client.post("/admin/events/deadletter/replay-window/", window)

    assert dry.status_code == 200
    assert real.status_code == 302
    assert OutboxEvent.objects.filter(handler=FLAKY, replay=1).count() == 1


def test_a_window_that_ends_before_it_starts_is_refused(admin_client):
    window = {
        "failed_from_0": "2026-01-02",
        "failed_from_1": "00:00:00",
        "failed_until_0": "2026-01-01",
        "failed_until_1": "00:00:00",
    }

    response = admin_client.post("/admin/events/deadletter/replay-window/", window)

    assert response.status_code == 200
    assert response.context["form"].errors == {"failed_until": ["Must be after the start of the window."]}


def test_staff_without_the_replay_permission_cannot_replay(client, dead_letter):
    support = StaffFactory(role="support")
    client.force_login(support)

    assert client.get("/admin/events/deadletter/replay-window/").status_code == 403
    assert client.get("/admin/events/deadletter/").status_code == 403
