"""Daily sales split gross into goods (net sales), shipping and tax, with the discounts given
(issue 18). Facts learn the parts from OrderCreated; the facts already there have none, so their
rows count all of gross as goods until `reporting_backfill --restart` reads the orders again."""

from django.db import migrations, models
from django.db.models import F


def goods_are_gross(apps, schema_editor):
    DailySales = apps.get_model("reporting", "DailySales")
    DailySales.objects.using(schema_editor.connection.alias).update(goods_amount=F("gross_amount"))


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_daily_sales_captured_and_voided"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailysales",
            name="discount_amount",
            field=models.BigIntegerField(
                default=0, help_text="Voucher discounts given (already out of goods), minor units."
            ),
        ),
        migrations.AddField(
            model_name="dailysales",
            name="goods_amount",
            field=models.BigIntegerField(
                default=0, help_text="Net sales: goods after discounts, without tax, minor units."
            ),
        ),
        migrations.AddField(
            model_name="dailysales",
            name="shipping_amount",
            field=models.BigIntegerField(default=0, help_text="Shipping charged, without tax, minor units."),
        ),
        migrations.AddField(
            model_name="dailysales",
            name="tax_amount",
            field=models.BigIntegerField(default=0, help_text="Tax on goods and shipping, minor units."),
        ),
        migrations.AddField(
            model_name="orderfact",
            name="discount_amount",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="orderfact",
            name="prices_include_tax",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="orderfact",
            name="shipping_amount",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="orderfact",
            name="shipping_tax_amount",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="orderfact",
            name="tax_amount",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(goods_are_gross, migrations.RunPython.noop),
    ]
