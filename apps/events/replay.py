"""Staff replay of dead letters: back through the outbox and the inbox, so an event that has
meanwhile been processed does nothing the second time."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.events.models import DeadLetter, OutboxEvent
from apps.events.outbox import nudge_relay
from apps.events.selectors import dead_letters_with_status


@dataclass(frozen=True)
class ReplayPlan:
    dead_letter_id: int
    event_id: str
    event_type: str
    handler: str
    already_processed: bool  # the inbox has it: replaying changes nothing

    def describe(self) -> str:
        verdict = "already processed, would do nothing" if self.already_processed else "would run again"
        return f"{self.event_type} {self.event_id} → {self.handler}: {verdict}"


def dead_letters_replay(*, dead_letter_ids: Iterable[int], dry_run: bool) -> list[ReplayPlan]:
    """Replay the given dead letters (or, with dry_run, only say what replaying would do)."""
    letters = list(dead_letters_with_status().filter(pk__in=list(dead_letter_ids)).order_by("pk"))
    plan = [
        ReplayPlan(letter.pk, str(letter.event_id), letter.event_type, letter.handler, letter.settled)
        for letter in letters
    ]
    if dry_run or not letters:
        return plan
    with transaction.atomic():
        for letter in letters:
            OutboxEvent.objects.create(
                event_id=letter.event_id,
                type=letter.event_type,
                subject=letter.envelope["subject"],
                envelope=letter.envelope,
                handler=letter.handler,
                replay=letter.replay_count + 1,
            )
        DeadLetter.objects.filter(pk__in=[letter.pk for letter in letters]).update(
            replayed_at=timezone.now(), replay_count=F("replay_count") + 1
        )
        transaction.on_commit(nudge_relay, robust=True)
    return plan
