import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OrderStatus(models.TextChoices):
    PLACED = "placed"  # payment authorized, stock committed
    PAID = "paid"  # payment captured
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Order(models.Model):
    # Derived from (customer, Idempotency-Key): a re-run of the same request finds the same order.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True)
    # A plain value: accounts is another module. None: a guest's order (0 in events), given to the customer who
    # verifies its email address (accounts.CustomerEmailVerified.v1). After the account is
    # deleted the number stays, pointing at no account (ids are never reused).
    customer_id = models.BigIntegerField(db_index=True, null=True, blank=True)
    customer_email = models.EmailField(max_length=254)  # as at order time, for staff searching
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    currency = models.CharField(max_length=3)
    # The parts of the total as at placement (minor units). Direct orders: subtotal = total.
    subtotal_amount = models.BigIntegerField(null=True, blank=True, help_text="Lines before discount.")
    # Database defaults too: code deployed before these columns keeps inserting orders meanwhile.
    shipping_method = models.CharField(max_length=100, blank=True, default="", db_default="")
    shipping_amount = models.BigIntegerField(default=0, db_default=0)
    shipping_tax_amount = models.BigIntegerField(default=0, db_default=0)
    discount_amount = models.BigIntegerField(default=0, db_default=0)
    tax_amount = models.BigIntegerField(default=0, db_default=0, help_text="Lines' tax plus shipping tax.")
    voucher_code = models.CharField(max_length=50, blank=True, default="", db_default="")
    prices_include_tax = models.BooleanField(default=True, db_default=True)
    total_amount = models.BigIntegerField(help_text="Minor units.")
    item_count = models.PositiveIntegerField()
    shipping_address = models.JSONField()
    billing_address = models.JSONField(null=True, blank=True)  # None: same as shipping
    payment_id = models.UUIDField(null=True, blank=True)  # payments.public, never a ForeignKey
    payment_provider = models.CharField(max_length=30)
    # The payment's status as its events report it (payments' aggregate version, order-tolerant).
    payment_status = models.CharField(max_length=30, default="authorized")
    payment_version = models.PositiveIntegerField(default=0)
    reservation_ref = models.CharField(max_length=100)  # the catalog's stock reservation
    carrier = models.CharField(max_length=50, blank=True, default="")
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("cancel_order", "Can cancel order"), ("ship_order", "Can ship order")]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="orders_total_not_negative"),
            models.CheckConstraint(condition=Q(item_count__gt=0), name="orders_has_items"),
        ]
        indexes = [models.Index(fields=["customer_id", "-created_at"], name="orders_by_customer")]

    def __str__(self) -> str:
        return f"Order {self.number}"


class OrderLine(models.Model):
    """SKU, name and unit price as they were when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=200)
    unit_price = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    line_total = models.BigIntegerField()  # before the discount
    discount_amount = models.BigIntegerField(default=0, db_default=0)  # this line's share of the voucher
    tax_amount = models.BigIntegerField(default=0, db_default=0)  # on line_total - discount_amount, half-up

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="orders_line_sku_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=1000), name="orders_line_quantity"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orders_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderStatusChange(models.Model):
    """The audit trail: every status an order entered, who moved it and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True, default="")  # "" = placed
    to_status = models.CharField(max_length=20)
    actor = models.CharField(max_length=300)  # "customer 12 <a@b.c>", "staff 3 <x@y.z>", "system"
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class OrderNote(models.Model):
    """A staff note on an order (a phone call, a promise made): shown in the order's timeline."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.CharField(max_length=300)  # "staff 3 <x@y.z>", as in the status history
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.order_id} by {self.author}"
