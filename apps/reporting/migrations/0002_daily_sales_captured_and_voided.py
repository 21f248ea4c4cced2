"""Daily sales gain captured and voided amounts; net becomes captured - refunded (issue 19).

Existing rows get the two amounts from their order facts here, so net is right from the start."""

from django.db import migrations, models
from django.db.models import Sum

RELEASED = ("voided", "failed", "capture_failed")


def fill_amounts(apps, schema_editor):
    DailySales = apps.get_model("reporting", "DailySales")
    OrderFact = apps.get_model("reporting", "OrderFact")
    db = schema_editor.connection.alias
    for row in DailySales.objects.using(db).iterator():
        facts = OrderFact.objects.using(db).filter(
            placed_on=row.day, currency=row.currency, status=row.status
        )
        row.captured_amount = facts.aggregate(s=Sum("amount_captured"))["s"] or 0
        released = facts.filter(payment_status__in=RELEASED).aggregate(
            gross=Sum("total_amount"), captured=Sum("amount_captured")
        )
        row.voided_amount = (released["gross"] or 0) - (released["captured"] or 0)
        row.save(update_fields=["captured_amount", "voided_amount"])


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="dailysales",
            name="captured_amount",
            field=models.BigIntegerField(default=0, help_text="Sum captured on those orders, minor units."),
        ),
        migrations.AddField(
            model_name="dailysales",
            name="voided_amount",
            field=models.BigIntegerField(
                default=0, help_text="Authorized, never captured: voided or failed captures, minor units."
            ),
        ),
        migrations.RunPython(fill_amounts, migrations.RunPython.noop),
    ]
