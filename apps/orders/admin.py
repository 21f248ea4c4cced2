"""The back office for orders: find, read, and act through the same services as the API.

Every action has its own page (the form doubles as the confirmation) and checks its own
permission: ship needs orders.ship_order, cancel orders.cancel_order, refund payments.refund_payment.
"""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.common.money import Money
from apps.events.public import events_about
from apps.orders import services
from apps.orders.contracts import Actor, OrderError
from apps.orders.models import Order, OrderLine, OrderStatusChange
from apps.orders.transitions import allowed_actions
from apps.payments.contracts import PaymentError
from apps.payments.public import payment_get, payment_refund

BR = mark_safe("<br>")


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=50)
    tracking_number = forms.CharField(max_length=100)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Shown in the status history.")


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), help_text="In major units, e.g. 12.50.")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, currency: str, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.refundable = currency, refundable
        self.fields["amount"].help_text = f"At most {Money(refundable, currency)}."

    def clean_amount(self) -> int:
        try:
            amount = Money.from_decimal(self.cleaned_data["amount"], self.currency).amount
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if amount > self.refundable:
            raise forms.ValidationError(f"At most {Money(self.refundable, self.currency)} can be refunded.")
        return amount


class OrderPartInline(admin.TabularInline):
    """Lines and history are part of the order: whoever may view the order sees them."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("orders.view_order")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LineInline(OrderPartInline):
    model = OrderLine
    fields = [
        "sku",
        "name",
        "unit_price_display",
        "quantity",
        "line_total_display",
        "discount_display",
        "tax_display",
    ]
    readonly_fields = fields

    @admin.display(description="discount")
    def discount_display(self, line: OrderLine) -> str:
        return str(Money(line.discount_amount, line.order.currency))

    @admin.display(description="tax")
    def tax_display(self, line: OrderLine) -> str:
        return str(Money(line.tax_amount, line.order.currency))

    @admin.display(description="unit price")
    def unit_price_display(self, line: OrderLine) -> str:
        return str(Money(line.unit_price, line.order.currency))

    @admin.display(description="line total")
    def line_total_display(self, line: OrderLine) -> str:
        return str(Money(line.line_total, line.order.currency))


class StatusHistoryInline(OrderPartInline):
    model = OrderStatusChange
    verbose_name_plural = "status history"
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer_email",
        "status",
        "payment_status",
        "total",
        "item_count",
        "created_at",
    ]
    list_filter = ["status", "payment_status", "created_at", "payment_provider"]
    search_fields = ["=number", "customer_email", "=id"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over every order on each page
    inlines = [LineInline, StatusHistoryInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "status",
                    "customer_email",
                    "customer_id",
                    "total",
                    "item_count",
                    "version",
                ]
            },
        ),
        ("Charges", {"fields": ["charges", "voucher_code"]}),
        ("Shipping", {"fields": ["shipping_method", "address", "carrier", "tracking_number"]}),
        ("Payment", {"fields": ["payment_summary"]}),
        ("Events", {"fields": ["events"]}),
        ("Times", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "number",
        "status",
        "customer_email",
        "customer_id",
        "total",
        "item_count",
        "version",
        "charges",
        "voucher_code",
        "shipping_method",
        "address",
        "carrier",
        "tracking_number",
        "payment_summary",
        "events",
        "created_at",
        "updated_at",
    ]
    change_form_template = "admin/orders/order/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False  # orders are placed through the storefront

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # fields are read-only; changes go through the actions below

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        """Also find orders by a SKU on one of their lines."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            with_sku = Order.objects.filter(
                Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__iexact=term))
            )
            queryset |= self.get_queryset(request).filter(pk__in=with_sku.values("pk"))
        return queryset, may_have_duplicates

    @admin.display(description="total", ordering="total_amount")
    def total(self, order: Order) -> str:
        return str(Money(order.total_amount, order.currency))

    @admin.display(description="total as charged")
    def charges(self, order: Order) -> str:
        m = lambda amount: str(Money(amount, order.currency))  # noqa: E731
        subtotal = order.total_amount if order.subtotal_amount is None else order.subtotal_amount
        tax = "incl." if order.prices_include_tax else "plus"
        return format_html(
            "subtotal {} · discount -{} · shipping {} · tax {} ({} {} on shipping) · total {}",
            m(subtotal),
            m(order.discount_amount),
            m(order.shipping_amount),
            m(order.tax_amount),
            tax,
            m(order.shipping_tax_amount),
            m(order.total_amount),
        )

    @admin.display(description="shipping address")
    def address(self, order: Order) -> str:
        a = order.shipping_address
        parts = [
            a.get("name"),
            a.get("line1"),
            a.get("line2"),
            f"{a.get('postal_code')} {a.get('city')}",
            a.get("country"),
        ]
        return format_html_join(BR, "{}", ((p,) for p in parts if p and p.strip()))

    @admin.display(description="payment")
    def payment_summary(self, order: Order) -> str:
        if order.payment_id is None:
            return "—"
        p = payment_get(payment_id=str(order.payment_id))
        money = lambda amount: str(Money(amount, p.currency))  # noqa: E731
        return format_html(
            "{} via {} · authorized {} · captured {} · refunded {}{}",
            p.status,
            p.provider,
            money(p.amount_authorized),
            money(p.amount_captured),
            money(p.amount_refunded),
            f" · {p.failure_code}: {p.failure_message}" if p.failure_code else "",
        )

    @admin.display(description="events")
    def events(self, order: Order) -> str:
        rows = events_about(str(order.pk))
        if not rows:
            return "—"
        return format_html_join(
            BR,
            "{} · {} · {}",
            (
                (
                    e["time"].strftime("%Y-%m-%d %H:%M:%S"),
                    e["type"],
                    "published" if e["published_at"] else "pending",
                )
                for e in rows
            ),
        )

    # --- actions -------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:order_id>/ship/", view(self.ship_view), name="orders_order_ship"),
            path("<uuid:order_id>/deliver/", view(self.deliver_view), name="orders_order_deliver"),
            path("<uuid:order_id>/cancel/", view(self.cancel_view), name="orders_order_cancel"),
            path("<uuid:order_id>/refund/", view(self.refund_view), name="orders_order_refund"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["order_actions"] = self._actions_for(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _actions_for(self, request, order: Order) -> list[tuple[str, str]]:
        possible = allowed_actions(order.status)
        offered = []
        if "ship" in possible and request.user.has_perm("orders.ship_order"):
            offered.append(("Ship", reverse("admin:orders_order_ship", args=[order.pk])))
        if "deliver" in possible and request.user.has_perm("orders.ship_order"):
            offered.append(("Mark delivered", reverse("admin:orders_order_deliver", args=[order.pk])))
        if "cancel" in possible and request.user.has_perm("orders.cancel_order"):
            offered.append(("Cancel", reverse("admin:orders_order_cancel", args=[order.pk])))
        if order.payment_status in ("captured", "partially_refunded") and request.user.has_perm(
            "payments.refund_payment"
        ):
            offered.append(("Refund", reverse("admin:orders_order_refund", args=[order.pk])))
        return offered

    def ship_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "orders.ship_order")
        form = ShipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                order,
                "shipped",
                lambda: services.order_ship(
                    order=order, actor=Actor.of(request.user, staff=True), **form.cleaned_data
                ),
            )
        return self._action_page(request, order, form, title="Ship order", button="Ship")

    def deliver_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "orders.ship_order")
        form = forms.Form(request.POST or None)  # nothing to fill in: the page is the confirmation
        if request.method == "POST":
            return self._act(
                request,
                order,
                "marked delivered",
                lambda: services.order_deliver(order=order, actor=Actor.of(request.user, staff=True)),
            )
        note = f"Shipped with {order.carrier} {order.tracking_number}: confirm the carrier delivered it."
        return self._action_page(
            request, order, form, title="Mark delivered", button="Mark delivered", note=note
        )

    def cancel_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "orders.cancel_order")
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                order,
                "cancelled",
                lambda: services.order_cancel(
                    order=order, actor=Actor.of(request.user, staff=True), reason=form.cleaned_data["reason"]
                ),
            )
        note = "The payment is voided (or refunded if captured) and the stock returned."
        return self._action_page(request, order, form, title="Cancel order", button="Cancel order", note=note)

    def refund_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "payments.refund_payment")
        payment = payment_get(payment_id=str(order.payment_id))
        refundable = payment.amount_captured - payment.amount_refunded
        form = RefundForm(request.POST or None, currency=payment.currency, refundable=refundable)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                order,
                "refunded",
                lambda: payment_refund(
                    payment_id=payment.id,
                    amount=form.cleaned_data["amount"],
                    # One refund per confirmation page: a double-submitted form refunds once.
                    idempotency_key=f"admin:{request.POST['form_token']}",
                    reason=form.cleaned_data["reason"],
                    actor=request.user.email,
                ),
            )
        note = f"Captured {Money(payment.amount_captured, payment.currency)}, refunded so far {Money(payment.amount_refunded, payment.currency)}."
        token = request.POST.get("form_token") or uuid.uuid4()
        return self._action_page(
            request, order, form, title="Refund", button="Refund", note=note, form_token=token
        )

    def _order(self, request, order_id, permission: str) -> Order:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise Http404("No such order.")
        return order

    def _act(self, request, order: Order, done: str, action):
        try:
            action()
        except (OrderError, PaymentError) as exc:
            self.message_user(request, f"Order {order.number} was not {done}: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"Order {order.number} {done}.", messages.SUCCESS)
        return redirect("admin:orders_order_change", order.pk)

    def _action_page(self, request, order, form, *, title, button, note="", form_token=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "form": form,
            "title": f"{title} {order.number}",
            "button": button,
            "note": note,
            "form_token": form_token,
        }
        return TemplateResponse(request, "admin/orders/order/action_form.html", context)
