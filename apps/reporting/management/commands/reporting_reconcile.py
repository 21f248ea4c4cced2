"""manage.py reporting_reconcile [--since YYYY-MM-DD] [--until YYYY-MM-DD]"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.reporting.reconcile import sales_reconcile


class Command(BaseCommand):
    help = (
        "Compare daily sales (orders, items, gross, captured, refunded, goods, shipping, tax, discounts "
        "per day, currency, status) "
        "with the orders and payments modules; exit 1 on drift."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=date.fromisoformat, help="first UTC day (default: REPORTING_RECONCILE_DAYS ago)"
        )
        parser.add_argument(
            "--until", type=date.fromisoformat, help="last UTC day, inclusive (default: today)"
        )

    def handle(self, *args, since: date | None, until: date | None, **options):
        until = until or timezone.now().date()
        since = since or until - timedelta(days=settings.REPORTING_RECONCILE_DAYS - 1)
        result = sales_reconcile(since=since, until=until)
        self.stdout.write(
            f"Daily sales {since} to {until}: {result.compared} (day, currency, status) rows compared."
        )
        for drift in result.drifts:
            self.stdout.write(f"DRIFT {drift.describe()} (reporting != source)")
        if result.drifts:
            raise CommandError(f"drift in {len(result.drifts)} of {result.compared} rows", returncode=1)
        self.stdout.write("No drift.")
