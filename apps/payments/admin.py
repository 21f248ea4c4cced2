"""Payments in the back office: read-only, except capture (payments.capture_payment).
Refunds are made from the order's page (payments.refund_payment)."""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.common.admin import ReadOnlyAdmin, ReadOnlyInline
from apps.common.money import format_money, money_column
from apps.payments import services
from apps.payments.contracts import PaymentError
from apps.payments.models import (
    Capture,
    ParkedWebhook,
    Payment,
    PaymentStatusChange,
    ProviderCallInDoubt,
    ProviderEvent,
    ReconciliationRun,
    Refund,
)
from apps.payments.order_labels import order_numbers


class PaymentPartInline(ReadOnlyInline):
    parent_permission = "payments.view_payment"


class CaptureInline(PaymentPartInline):
    model = Capture
    fields = ["money", "created_at"]
    readonly_fields = fields

    @admin.display(description="amount")
    def money(self, capture: Capture) -> str:
        return format_money(capture.amount, capture.payment.currency)


class RefundInline(PaymentPartInline):
    model = Refund
    fields = ["money", "reason", "created_by", "created_at"]
    readonly_fields = fields

    @admin.display(description="amount")
    def money(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.payment.currency)


class StatusChangeInline(PaymentPartInline):
    """The payment's audit trail (services._transition writes one row per change)."""

    model = PaymentStatusChange
    fields = ["created_at", "action", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    verbose_name_plural = "status history"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order_link",
        "provider",
        "status",
        "authorized",
        "captured",
        "refunded",
        "created_at",
    ]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["=id", "=order_id", "=provider_ref"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [CaptureInline, RefundInline, StatusChangeInline]
    # Internal bookkeeping shown only to superusers (see get_fields).
    INTERNAL = ("idempotency_key", "version", "provider_ref", "payment_method", "order_id")
    readonly_fields = [f.name for f in Payment._meta.fields] + [
        "order_link",
        "requested",
        "authorized",
        "captured",
        "refunded",
    ]
    change_form_template = "admin/payments/payment/change_form.html"

    def get_fields(self, request, obj=None):
        money = ("amount", "amount_authorized", "amount_captured", "amount_refunded", "currency")
        fields = ["id", "order_link", "provider", "status", "requested", "authorized", "captured", "refunded"]
        fields += [f.name for f in Payment._meta.fields if f.name not in (*fields, *money, *self.INTERNAL)]
        return fields + list(self.INTERNAL) if request.user.is_superuser else fields

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The page's order numbers in one query (orders.public), not one per row.
        numbers = order_numbers(order_ids=[str(p.order_id) for p in changelist.result_list])
        for payment in changelist.result_list:
            payment.order_number = numbers.get(str(payment.order_id))
        return changelist

    @admin.display(description="order")
    def order_link(self, p: Payment) -> str:
        if not hasattr(p, "order_number"):  # the payment's own page
            p.order_number = order_numbers(order_ids=[str(p.order_id)]).get(str(p.order_id))
        url = reverse("admin:orders_order_change", args=[p.order_id])
        return format_html('<a href="{}">{}</a>', url, p.order_number or p.order_id)

    requested = money_column("amount", "requested")
    authorized = money_column("amount_authorized", "authorized")
    captured = money_column("amount_captured", "captured")
    refunded = money_column("amount_refunded", "refunded")

    def get_urls(self):
        capture = self.admin_site.admin_view(self.capture_view)
        return [
            path("<uuid:payment_id>/capture/", capture, name="payments_payment_capture"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        can_capture = (
            obj is not None
            and obj.status == "authorized"
            and request.user.has_perm("payments.capture_payment")
        )
        context["capture_url"] = (
            reverse("admin:payments_payment_capture", args=[obj.pk]) if can_capture else None
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def capture_view(self, request, payment_id: uuid.UUID):
        if not request.user.has_perm("payments.capture_payment"):
            raise PermissionDenied
        payment = get_object_or_404(Payment, pk=payment_id)
        if request.method == "POST":
            try:
                services.payment_capture(
                    payment_id=payment.pk,
                    idempotency_key=f"admin:{request.POST['form_token']}",
                    actor=request.user.email,
                )
            except PaymentError as exc:
                self.message_user(request, f"Not captured: {exc}", messages.ERROR)
            else:
                amount = format_money(payment.amount_authorized, payment.currency)
                self.log_change(request, payment, f"Captured {amount}.")
                self.message_user(request, f"Captured {amount}.", messages.SUCCESS)
            return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "payment": payment,
            "amount": format_money(payment.amount_authorized, payment.currency),
            "form_token": uuid.uuid4(),
            "title": "Capture payment",
        }
        return TemplateResponse(request, "admin/payments/payment/capture_confirm.html", context)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "kind", "provider_ref", "applied", "occurred_at", "received_at"]
    list_filter = ["provider", "kind", "applied"]
    search_fields = ["=event_id", "=provider_ref"]


@admin.register(ParkedWebhook)
class ParkedWebhookAdmin(admin.ModelAdmin):
    """Signed callbacks we could not read. Staff apply what they say by hand (capture, refund pages)
    or get the parser fixed, then set Resolved at."""

    list_display = ["received_at", "provider", "event_id", "event_type", "reason", "resolved_at"]
    list_filter = ["provider", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["=event_id", "event_type"]
    readonly_fields = ["provider", "event_id", "event_type", "reason", "body", "received_at"]
    fields = [*readonly_fields, "resolved_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    """The report of each reconciliation run (beat, every 10 minutes, or `payments_reconcile`).
    Findings marked "needs staff" are authorizations let go or refunds not made: act on them."""

    list_display = ["started_at", "checked", "changed", "needs_staff", "finished_at"]
    list_filter = ["started_at"]
    fields = ["started_at", "finished_at", "checked", "changed", "needs_staff", "report"]
    readonly_fields = fields

    @admin.display(description="findings")
    def report(self, run: ReconciliationRun) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    "yes" if f["needs_staff"] else "",
                    f["finding"],
                    f["provider"],
                    f["payment_id"],
                    f["order_id"],
                    f["detail"],
                )
                for f in run.findings
            ),
        )
        if not run.findings:
            return "nothing found"
        return format_html(
            "<table><tr><th>needs staff</th><th>finding</th><th>provider</th><th>payment</th>"
            "<th>order</th><th>detail</th></tr>{}</table>",
            rows,
        )


@admin.register(ProviderCallInDoubt)
class ProviderCallInDoubtAdmin(ReadOnlyAdmin):
    """Captures and refunds that got no answer from the provider, and what reconciliation found."""

    list_display = ["created_at", "operation", "payment", "amount", "actor", "resolved_at", "resolution"]
    list_filter = ["operation", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["=payment__id", "=idempotency_key"]
