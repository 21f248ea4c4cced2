"""Reporting projections on the `reporting` database (SQL Server in production).

Only what mssql-django supports: plain columns, B-tree indexes, unique constraints; UUIDs are
char(32) there. Nothing here references another module's tables.
"""

from django.db import models


class OrderFact(models.Model):
    """One order as its events (or the backfill) describe it.

    Two version columns, because two aggregates feed the row: the order's own fields follow the
    order's `aggregate_version`, the payment columns the payment's `payment_version`. A row with
    `aggregate_version = 0` has heard only payment news so far (the order's event is late); it has
    no `placed_on` and counts in no report.
    """

    order_id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=20, blank=True, default="")
    customer_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=20, blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    total_amount = models.BigIntegerField(default=0, help_text="Minor units.")
    item_count = models.IntegerField(default=0)
    payment_id = models.UUIDField(null=True)
    payment_status = models.CharField(max_length=30, blank=True, default="")
    amount_captured = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    placed_at = models.DateTimeField(null=True)
    placed_on = models.DateField(null=True, help_text="UTC day of placed_at: the daily sales bucket.")
    paid_at = models.DateTimeField(null=True)
    shipped_at = models.DateTimeField(null=True)
    delivered_at = models.DateTimeField(null=True)
    cancelled_at = models.DateTimeField(null=True)
    refunded_at = models.DateTimeField(null=True)
    aggregate_version = models.IntegerField(default=0)
    payment_version = models.IntegerField(default=0)
    # The parts of the total as placed (OrderCreated; they never change): shipping as charged, the
    # part of the tax on shipping, the voucher discount, all tax; amounts gross or net as the shop's
    # prices were. A direct order has only goods.
    shipping_amount = models.BigIntegerField(default=0)
    shipping_tax_amount = models.BigIntegerField(default=0)
    discount_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    prices_include_tax = models.BooleanField(default=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["placed_on", "currency"], name="reporting_order_day")]

    def __str__(self) -> str:
        return f"Order {self.number or self.order_id}"


class PaymentFact(models.Model):
    """One payment as its events (or the backfill) describe it; `refunded_at` is the latest refund."""

    payment_id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField(db_index=True)
    provider = models.CharField(max_length=30)
    status = models.CharField(max_length=30)
    currency = models.CharField(max_length=3)
    amount_authorized = models.BigIntegerField(default=0)
    amount_captured = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=100, blank=True, default="")
    authorized_at = models.DateTimeField(null=True)
    captured_at = models.DateTimeField(null=True)
    refunded_at = models.DateTimeField(null=True)
    voided_at = models.DateTimeField(null=True)
    failed_at = models.DateTimeField(null=True)
    aggregate_version = models.IntegerField(default=0)

    class Meta:
        ordering = ["-authorized_at"]

    def __str__(self) -> str:
        return f"Payment {self.payment_id} ({self.status})"


class DailySales(models.Model):
    """Orders placed on `day` in `currency`, by their current status. Rebuilt from OrderFact for
    one (day, currency) at a time, under that pair's SalesDay lock, so it never drifts from them.

    Net is what the shop kept: captured minus refunded. Gross counts every order placed, including
    those whose authorization was voided or whose capture failed (`voided_amount`) and those still
    waiting for their capture; none of that is money kept."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    orders = models.IntegerField()
    items = models.BigIntegerField()
    gross_amount = models.BigIntegerField(help_text="Sum of order totals, minor units.")
    captured_amount = models.BigIntegerField(
        default=0, help_text="Sum captured on those orders, minor units."
    )
    refunded_amount = models.BigIntegerField(help_text="Sum refunded on those orders, minor units.")
    voided_amount = models.BigIntegerField(
        default=0, help_text="Authorized, never captured: voided or failed captures, minor units."
    )
    # Gross split into what was sold: goods + shipping + tax = gross (minor units).
    goods_amount = models.BigIntegerField(
        default=0, help_text="Net sales: goods after discounts, without tax, minor units."
    )
    shipping_amount = models.BigIntegerField(
        default=0, help_text="Shipping charged, without tax, minor units."
    )
    tax_amount = models.BigIntegerField(default=0, help_text="Tax on goods and shipping, minor units.")
    discount_amount = models.BigIntegerField(
        default=0, help_text="Voucher discounts given (already out of goods), minor units."
    )
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "currency", "status"]
        verbose_name = "daily sales"
        verbose_name_plural = "daily sales"
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "status"], name="reporting_daily_sales_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.status}"

    @property
    def net_amount(self) -> int:
        return self.captured_amount - self.refunded_amount


class SalesDay(models.Model):
    """The lock row of one (day, currency): rebuilding its DailySales rows holds it, so two handlers
    rebuilding the same day one after the other cannot commit an older total last."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "currency"], name="reporting_sales_day_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}"


class BackfillCheckpoint(models.Model):
    """Where a backfill stopped: the (created_at, id) keyset cursor of the last batch applied."""

    source = models.CharField(max_length=20, unique=True)  # "orders" or "payments"
    first_created_at = models.DateTimeField(null=True)  # the run's first row: where its days begin
    after_created_at = models.DateTimeField(null=True)
    after_id = models.CharField(max_length=36, blank=True, default="")
    rows = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.source} backfill ({self.rows} rows)"
