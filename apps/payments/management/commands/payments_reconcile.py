from django.core.management.base import BaseCommand

from apps.payments.reconciliation import payments_reconcile


class Command(BaseCommand):
    help = (
        "Reconcile payments in doubt with their provider and handle authorizations about to expire "
        "(what beat runs as payments.reconcile); prints the report, exits 1 when staff must act."
    )

    def handle(self, *args, **options):
        run = payments_reconcile()
        self.stdout.write(
            f"reconciliation {run.started_at:%Y-%m-%d %H:%M:%S}: {run.checked} checked, "
            f"{run.changed} changed, {run.needs_staff} need staff"
        )
        for f in run.findings:
            flag = "STAFF " if f["needs_staff"] else ""
            self.stdout.write(
                f"{flag}{f['finding']} payment={f['payment_id']} order={f['order_id']} {f['detail']}"
            )
        if run.needs_staff:
            raise SystemExit(1)
