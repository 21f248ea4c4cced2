from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from apps.events.replay import dead_letters_replay
from apps.events.selectors import dead_letters_with_status

CHUNK = 100


class Command(BaseCommand):
    help = "Replay open dead letters (all, by id, or in a time window of their last failure)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--id", type=int, action="append", dest="ids", help="a dead letter id (repeatable)"
        )
        parser.add_argument("--since", type=_when, help="last failure at or after (ISO 8601)")
        parser.add_argument("--until", type=_when, help="last failure before (ISO 8601)")
        parser.add_argument("--event-type", help="only this event type")
        parser.add_argument("--handler", help="only this handler (dotted path)")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be replayed, change nothing"
        )

    def handle(self, *args, ids, since, until, event_type, handler, dry_run, **options):
        letters = dead_letters_with_status().filter(settled=False)
        if ids:
            letters = letters.filter(pk__in=ids)
        if since:
            letters = letters.filter(last_failed_at__gte=since)
        if until:
            letters = letters.filter(last_failed_at__lt=until)
        if event_type:
            letters = letters.filter(event_type=event_type)
        if handler:
            letters = letters.filter(handler=handler)
        pks = list(letters.order_by("pk").values_list("pk", flat=True))
        plans = []
        with tqdm(total=len(pks), unit="letter", disable=not pks, file=self.stderr) as progress:
            for start in range(0, len(pks), CHUNK):
                chunk = pks[start : start + CHUNK]
                plans += dead_letters_replay(dead_letter_ids=chunk, dry_run=dry_run)
                progress.update(len(chunk))
        for plan in plans:
            self.stdout.write(plan.describe())
        verb = "Would replay" if dry_run else "Replayed"
        self.stdout.write(f"{verb} {len(plans)} dead letter(s).")


def _when(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise CommandError(f"{value!r} is not an ISO 8601 date-time with a time zone")
    return parsed
