"""Handlers whose behaviour the event data steers; files coordinate with the test process."""

import time
from pathlib import Path

from apps.events.public import subscribe
from tests.events.probe.models import Effect


@subscribe("probe.ThingHappened.v1")
def record(envelope: dict) -> None:
    Effect.objects.create(event_id=envelope["id"], handler="record")


@subscribe("probe.ThingHappened.v1")
def record_again(envelope: dict) -> None:
    Effect.objects.create(event_id=envelope["id"], handler="record_again")


@subscribe("probe.FlakyThing.v1")
def flaky(envelope: dict) -> None:
    """Fails the first `fail_times` attempts (counted in a file: a failed attempt's DB writes roll back)."""
    counter = Path(envelope["data"]["counter"])
    with counter.open("a") as file:
        file.write("attempt\n")
    if len(counter.read_text().splitlines()) <= envelope["data"]["fail_times"]:
        raise RuntimeError("flaky handler failing on purpose")
    Effect.objects.create(event_id=envelope["id"], handler="flaky")


@subscribe("probe.SlowThing.v1")
def slow(envelope: dict) -> None:
    """First attempt: writes its effect, announces itself, then hangs (to be killed) before commit."""
    marker = Path(envelope["data"]["marker"])
    Effect.objects.create(event_id=envelope["id"], handler="slow")
    if not marker.exists():
        marker.write_text("started")
        time.sleep(120)
