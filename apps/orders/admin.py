"""The back office for orders: find, read, and act through the same services as the API.

Every action has its own page (the form doubles as the confirmation) and checks its own
permission: ship needs orders.ship_order, cancel orders.cancel_order, refund payments.refund_payment,
retry capture payments.capture_payment, a note orders.add_ordernote. Every action done is written
to Django's admin history (LogEntry) for the order.
"""

import re
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.common.admin import ReadOnlyAdmin, ReadOnlyInline
from apps.common.money import Money, format_money
from apps.events.public import events_about
from apps.orders import bulk, selectors, services
from apps.orders.contracts import Actor, OrderError
from apps.orders.models import Order, OrderLine, OrderNote, OrderStatusChange
from apps.orders.timeline import order_timeline
from apps.orders.transitions import actions_for
from apps.payments.contracts import PaymentError
from apps.payments.public import payment_capture, payment_get, payment_refund

BR = mark_safe("<br>")


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=50)
    tracking_number = forms.CharField(max_length=100)


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), label="Note"
    )


class ShipCsvForm(forms.Form):
    file = forms.FileField(
        help_text="CSV with a header: order_number,carrier,tracking_number (at most 1,000 rows)."
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, help_text="Only check and list what would ship."
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Shown in the status history.")


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), help_text="In major units, e.g. 12.50.")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, currency: str, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.refundable = currency, refundable
        self.fields["amount"].help_text = f"In major units, at most {format_money(refundable, currency)}."

    def clean_amount(self) -> int:
        try:
            amount = Money.from_decimal(self.cleaned_data["amount"], self.currency).amount
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if amount > self.refundable:
            raise forms.ValidationError(
                f"At most {format_money(self.refundable, self.currency)} can be refunded."
            )
        return amount


class OrderPartInline(ReadOnlyInline):
    """Lines and history are part of the order: whoever may view the order sees them."""

    parent_permission = "orders.view_order"


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
        return format_money(line.unit_price, line.order.currency)

    @admin.display(description="line total")
    def line_total_display(self, line: OrderLine) -> str:
        return format_money(line.line_total, line.order.currency)


class StatusHistoryInline(OrderPartInline):
    model = OrderStatusChange
    verbose_name_plural = "status history"
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields


class AttentionFilter(admin.SimpleListFilter):
    """Orders staff must act on: a refused capture (finance retries it) or one that never ran."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("capture_failed", "Capture failed"), ("stuck", "Stuck: not captured after 30 min")]

    def queryset(self, request, queryset):
        if self.value() == "capture_failed":
            return selectors.orders_capture_failed(queryset)
        if self.value() == "stuck":
            return selectors.orders_stuck(queryset)
        return queryset


class FulfilmentFilter(admin.SimpleListFilter):
    title = "fulfilment"
    parameter_name = "fulfil"

    def lookups(self, request, model_admin):
        return [("todo", "To fulfil")]

    def queryset(self, request, queryset):
        return selectors.orders_to_fulfil(queryset) if self.value() == "todo" else queryset


_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
_NUMBER_CHARACTER = f"[{services.NUMBER_ALPHABET}]"  # one character of an order number


def number_as_read(term: str) -> str:
    """'2612e7po h7hx' -> '2612-E7P0-H7HX' (Crockford's reading rules), or '' if it is no number."""
    plain = term.upper().translate(_READ_AS)
    if re.fullmatch(rf"\d{{4}}{_NUMBER_CHARACTER}{{8}}", plain):
        return f"{plain[:4]}-{plain[4:8]}-{plain[8:]}"
    return ""


def number_tail_as_read(term: str) -> str:
    """A number without its year-month ('E7P0-H7HX') -> '-E7P0-H7HX', or ''."""
    plain = term.upper().translate(_READ_AS)
    if re.fullmatch(rf"{_NUMBER_CHARACTER}{{8}}", plain) and not plain.isdigit():
        return f"-{plain[:4]}-{plain[4:]}"
    return ""


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Orders are placed through the storefront; fields are read-only and changes go through the
    per-order pages (ship, cancel, refund, note)."""

    list_display = [
        "number",
        "customer_email",
        "status",
        "payment",
        "total",
        "item_count",
        "created_at",
    ]
    list_filter = [
        AttentionFilter,
        FulfilmentFilter,
        "status",
        "payment_status",
        "created_at",
        "payment_provider",
    ]
    search_fields = ["=number", "customer_email", "=id"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over every order on each page
    inlines = [LineInline, StatusHistoryInline]
    readonly_fields = [
        "number",
        "status",
        "customer_email",
        "customer",
        "total",
        "item_count",
        "version",
        "charges",
        "voucher_code",
        "shipping_method",
        "address",
        "phone",
        "carrier",
        "tracking_number",
        "payment_summary",
        "timeline",
        "events",
        "created_at",
        "updated_at",
    ]
    change_form_template = "admin/orders/order/change_form.html"
    change_list_template = "admin/orders/order/change_list.html"
    actions = ["capture_selected", "export_selected"]

    def get_fieldsets(self, request, obj=None):
        summary = ["number", "status", "customer_email", "customer", "total", "item_count"]
        internal = []
        if request.user.is_superuser:  # internal bookkeeping, only when a superuser asks
            summary.append("version")
            internal = [("Events (outbox)", {"fields": ["events"], "classes": ["collapse"]})]
        return [
            (None, {"fields": summary}),
            ("Charges", {"fields": ["charges", "voucher_code"]}),
            ("Shipping", {"fields": ["shipping_method", "address", "phone", "carrier", "tracking_number"]}),
            ("Payment", {"fields": ["payment_summary"]}),
            ("Timeline", {"fields": ["timeline"]}),
            *internal,
            ("Times", {"fields": ["created_at", "updated_at"]}),
        ]

    def get_search_results(self, request, queryset, search_term):
        """Also find orders by a SKU on one of their lines, and by an order number as people read
        it out: any case, without dashes, O for 0, I or L for 1, or without its year-month."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            with_sku = Order.objects.filter(
                Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__iexact=term))
            )
            queryset |= self.get_queryset(request).filter(pk__in=with_sku.values("pk"))
            number = number_as_read(term)
            if number:
                queryset |= self.get_queryset(request).filter(number=number)
            elif tail := number_tail_as_read(term):
                queryset |= self.get_queryset(request).filter(number__endswith=tail)
        return queryset, may_have_duplicates

    @admin.display(description="total", ordering="total_amount")
    def total(self, order: Order) -> str:
        return format_money(order.total_amount, order.currency)

    @admin.display(description="payment", ordering="payment_status")
    def payment(self, order: Order) -> str:
        if order.payment_status == selectors.CAPTURE_FAILED:
            return mark_safe('<strong class="problem">capture failed</strong>')
        return order.payment_status.replace("_", " ")

    @admin.display(description="customer")
    def customer(self, order: Order) -> str:
        if order.customer_id is None:
            return "guest (no account)"
        url = reverse("admin:backoffice_customer", args=[order.customer_id])
        return format_html('<a href="{}">customer {}</a>', url, order.customer_id)

    @admin.display(description="phone")
    def phone(self, order: Order) -> str:
        return order.shipping_address.get("phone") or "—"

    @admin.display(description="timeline")
    def timeline(self, order: Order) -> str:
        rows = format_html_join(
            "",
            '<tr class="timeline-{}"><td class="nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (e.state, e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind, e.title, e.detail)
                for e in order_timeline(order)
            ),
        )
        return format_html(
            '<table class="timeline"><thead><tr><th>when (UTC)</th><th>what</th><th></th><th>details</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )

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
        money = lambda amount: format_money(amount, p.currency)  # noqa: E731
        return format_html(
            '<a href="{}">{} via {}</a> · authorized {} · captured {} · refunded {}{}',
            reverse("admin:payments_payment_change", args=[p.id]),
            p.status.replace("_", " "),
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
            path("<uuid:order_id>/capture/", view(self.capture_view), name="orders_order_capture"),
            path("<uuid:order_id>/note/", view(self.note_view), name="orders_order_note"),
            path("ship-csv/", view(self.ship_csv_view), name="orders_order_ship_csv"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["order_actions"] = self._actions_for(request, obj)
            if request.user.has_perm("orders.add_ordernote"):
                context["note_form"] = NoteForm()
                context["note_url"] = reverse("admin:orders_order_note", args=[obj.pk])
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _actions_for(self, request, order: Order) -> list[tuple[str, str]]:
        labels = {"ship": "Ship", "deliver": "Mark delivered", "cancel": "Cancel"}
        offered = [
            (labels[action], reverse(f"admin:orders_order_{action}", args=[order.pk]))
            for action in actions_for(order, request.user)
        ]
        if order.payment_status == selectors.CAPTURE_FAILED and request.user.has_perm(
            "payments.capture_payment"
        ):
            offered.insert(0, ("Retry capture", reverse("admin:orders_order_capture", args=[order.pk])))
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
                log=f"Shipped with {form.cleaned_data['carrier']} {form.cleaned_data['tracking_number']}.",
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
                log=f"Cancelled: {form.cleaned_data['reason']}",
            )
        note = "The payment is voided (or refunded if captured) and the stock returned."
        return self._action_page(request, order, form, title="Cancel order", button="Cancel order", note=note)

    def refund_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "payments.refund_payment")
        payment = payment_get(payment_id=str(order.payment_id))
        refundable = payment.amount_captured - payment.amount_refunded
        form = RefundForm(request.POST or None, currency=payment.currency, refundable=refundable)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data["amount"]
            money = lambda value: format_money(value, payment.currency)  # noqa: E731
            total = payment.amount_refunded + amount
            scope = (
                " in full"
                if total == payment.amount_captured
                else f" (partial refund: {money(total)} of {money(payment.amount_captured)} refunded so far)"
            )
            return self._act(
                request,
                order,
                "refunded",
                lambda: payment_refund(
                    payment_id=payment.id,
                    amount=amount,
                    # One refund per confirmation page: a double-submitted form refunds once.
                    idempotency_key=f"admin:{request.POST['form_token']}",
                    reason=form.cleaned_data["reason"],
                    actor=request.user.email,
                ),
                detail=f" {money(amount)}{scope}",
                log=f"Refunded {money(amount)}{scope}: {form.cleaned_data['reason']}",
            )
        note = (
            f"Captured {format_money(payment.amount_captured, payment.currency)}, "
            f"refunded so far {format_money(payment.amount_refunded, payment.currency)}."
        )
        token = request.POST.get("form_token") or uuid.uuid4()
        return self._action_page(
            request, order, form, title="Refund", button="Refund", note=note, form_token=token
        )

    def capture_view(self, request, order_id: uuid.UUID):
        """Retry a refused capture (finance). A new key per attempt: the provider may remember the
        refusal under the old one. PaymentCaptured then marks the order paid, as for any capture."""
        order = self._order(request, order_id, "payments.capture_payment")
        payment = payment_get(payment_id=str(order.payment_id))
        form = forms.Form(request.POST or None)
        if request.method == "POST":
            return self._act(
                request,
                order,
                "captured",
                lambda: payment_capture(
                    payment_id=payment.id, idempotency_key=f"admin:{request.POST['form_token']}"
                ),
                detail=f" ({format_money(payment.amount_authorized, payment.currency)})",
                log=f"Capture retried: {format_money(payment.amount_authorized, payment.currency)} captured.",
            )
        note = (
            f"Capture {format_money(payment.amount_authorized, payment.currency)} again. "
            f"Last refusal: {payment.failure_code} {payment.failure_message}".strip()
        )
        return self._action_page(
            request, order, form, title="Retry capture", button="Capture", note=note, form_token=uuid.uuid4()
        )

    def note_view(self, request, order_id: uuid.UUID):
        order = self._order(request, order_id, "orders.add_ordernote")
        form = NoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            note = OrderNote.objects.create(
                order=order, author=Actor.of(request.user, staff=True).label, text=form.cleaned_data["text"]
            )
            self.log_change(request, order, f"Note added: {note.text[:200]}")
            self.message_user(request, f"Note added to order {order.number}.", messages.SUCCESS)
        elif request.method == "POST":
            self.message_user(request, "The note was empty or too long: nothing added.", messages.ERROR)
        return redirect("admin:orders_order_change", order.pk)

    # --- bulk work -----------------------------------------------------------------------

    def has_capture_permission(self, request) -> bool:
        return request.user.has_perm("payments.capture_payment")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("orders.view_order")

    @admin.action(description="Capture the payment of the selected orders", permissions=["capture"])
    def capture_selected(self, request, queryset) -> None:
        self._report(request, bulk.capture_orders(queryset.order_by("created_at")), verb="Captured")

    @admin.action(description="Export the selected orders (CSV)", permissions=["export"])
    def export_selected(self, request, queryset):
        response = StreamingHttpResponse(
            bulk.export_rows(queryset.order_by("created_at").iterator()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        return response

    def ship_csv_view(self, request):
        """Ship many orders from a CSV of order number, carrier and tracking number; a dry run
        checks every line and ships nothing. One result line per order."""
        if not request.user.has_perm("orders.ship_order"):
            raise PermissionDenied
        form = ShipCsvForm(request.POST or None, request.FILES or None)
        results, dry_run = None, True
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                rows = bulk.ship_rows(form.cleaned_data["file"].read())
            except bulk.BadFile as exc:
                form.add_error("file", str(exc))
            else:
                results = bulk.ship_from_csv(rows, user=request.user, dry_run=dry_run)
                if not dry_run:
                    self._log_results(request, results, "Shipped from CSV")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "results": results,
            "shipped": sum(r.ok for r in results or []),
            "dry_run": dry_run,
            "title": "Ship orders from a CSV file",
        }
        return TemplateResponse(request, "admin/orders/order/ship_csv.html", context)

    def _report(self, request, results, *, verb: str) -> None:
        self._log_results(request, results, verb)
        done = sum(r.ok for r in results)
        self.message_user(request, f"{verb} {done} of {len(results)} order(s).", messages.INFO)
        for r in results:
            self.message_user(
                request, f"{r.order_number}: {r.message}", messages.SUCCESS if r.ok else messages.ERROR
            )

    def _log_results(self, request, results, verb: str) -> None:
        done = {r.order_id: r for r in results if r.ok and r.order_id}
        for order in Order.objects.filter(pk__in=done):
            self.log_change(request, order, f"{verb}: {done[order.pk].message}.")

    def _order(self, request, order_id, permission: str) -> Order:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise Http404("No such order.")
        return order

    def _act(self, request, order: Order, done: str, action, *, detail: str = "", log: str = ""):
        """Run the service; say how it went; write the admin history entry (LogEntry) if done."""
        try:
            action()
        except (OrderError, PaymentError) as exc:
            self.message_user(request, f"Order {order.number} was not {done}: {exc}", messages.ERROR)
        else:
            self.log_change(request, order, log or f"Order {done}.")
            self.message_user(request, f"Order {order.number} {done}{detail}.", messages.SUCCESS)
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
