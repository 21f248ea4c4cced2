"""Payments in the back office: read-only, except capture (payments.capture_payment).
Refunds are made from the order's page (payments.refund_payment)."""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.common.money import Money
from apps.payments import services
from apps.payments.contracts import PaymentError
from apps.payments.models import Capture, ParkedWebhook, Payment, ProviderEvent, Refund


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.view_payment")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CaptureInline(ReadOnlyInline):
    model = Capture
    fields = ["amount", "created_at"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "reason", "created_by", "provider_ref", "created_at"]
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "order_id",
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
    inlines = [CaptureInline, RefundInline]
    readonly_fields = [f.name for f in Payment._meta.fields]
    change_form_template = "admin/payments/payment/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="authorized", ordering="amount_authorized")
    def authorized(self, p: Payment) -> str:
        return str(Money(p.amount_authorized, p.currency))

    @admin.display(description="captured", ordering="amount_captured")
    def captured(self, p: Payment) -> str:
        return str(Money(p.amount_captured, p.currency))

    @admin.display(description="refunded", ordering="amount_refunded")
    def refunded(self, p: Payment) -> str:
        return str(Money(p.amount_refunded, p.currency))

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
                    payment_id=payment.pk, idempotency_key=f"admin:{request.POST['form_token']}"
                )
            except PaymentError as exc:
                self.message_user(request, f"Not captured: {exc}", messages.ERROR)
            else:
                self.message_user(request, "Captured.", messages.SUCCESS)
            return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "payment": payment,
            "amount": Money(payment.amount_authorized, payment.currency),
            "form_token": uuid.uuid4(),
            "title": "Capture payment",
        }
        return TemplateResponse(request, "admin/payments/payment/capture_confirm.html", context)


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "provider", "kind", "provider_ref", "applied", "occurred_at", "received_at"]
    list_filter = ["provider", "kind", "applied"]
    search_fields = ["=event_id", "=provider_ref"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
