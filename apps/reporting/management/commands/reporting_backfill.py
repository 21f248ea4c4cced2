"""manage.py reporting_backfill [--source orders|payments|all] [--batch-size N] [--restart] [--no-progress]"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from apps.orders.public import orders_count
from apps.payments.public import payments_count
from apps.reporting.backfill import orders_backfill, payments_backfill

SOURCES = {"orders": (orders_backfill, orders_count), "payments": (payments_backfill, payments_count)}


class Command(BaseCommand):
    help = (
        "Fill the reporting facts and daily sales from orders.public and payments.public, in batches. "
        "Resumes an interrupted run; never overwrites a row an event made newer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=[*SOURCES, "all"], default="all")
        parser.add_argument("--batch-size", type=int, default=settings.REPORTING_BACKFILL_BATCH_SIZE)
        parser.add_argument("--restart", action="store_true", help="start over instead of resuming")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, source: str, batch_size: int, restart: bool, no_progress: bool, **options):
        for name in SOURCES if source == "all" else [source]:
            backfill, count = SOURCES[name]
            started = time.perf_counter()
            # The total is the whole table: a resumed run's bar ends short of it by what ran before.
            with tqdm(total=count(), desc=name, unit="rows", disable=no_progress) as bar:
                result = backfill(batch_size=batch_size, restart=restart, progress=bar.update)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"{name}: {result.rows} rows in {seconds:.1f} s ({result.rows / max(seconds, 1e-9):,.0f} rows/s)"
                f"{', resumed' if result.resumed else ''}"
            )
