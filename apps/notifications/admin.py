from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryStatus, WebhookEndpoint
from apps.notifications.selectors import deliveries_missed
from apps.notifications.urlguard import webhook_url_problem


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=2000, label="URL", help_text="https, public host (outside DEBUG).")
    event_types = forms.CharField(
        help_text='Space- or comma-separated: "orders.OrderShipped.v1", "orders.*" or "*".',
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["event_types"] = " ".join(self.instance.event_types)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if problem := webhook_url_problem(url):
            raise forms.ValidationError(problem)
        return url

    def clean_event_types(self) -> list[str]:
        types = [t for t in self.cleaned_data["event_types"].replace(",", " ").split() if t]
        if not types:
            raise forms.ValidationError("Name at least one event type (or *).")
        return types


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "event_types", "is_active", "state", "failing_since")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = (
        "state",
        "disabled_reason",
        "failing_since",
        "signing_secrets",
        "created_at",
        "updated_at",
    )
    actions = ["send_test_event", "rotate_secret"]

    def save_model(self, request, obj: WebhookEndpoint, form, change) -> None:
        if not obj.secrets:
            obj.secrets = services.endpoint_secret_initial()
        super().save_model(request, obj, form, change)

    @admin.display(description="state")
    def state(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.disabled_at:
            url = reverse("admin:notifications_webhookendpoint_enable", args=[endpoint.pk])
            return format_html('disabled automatically — <a href="{}">re-enable…</a>', url)
        return "receiving" if endpoint.is_active else "switched off"

    @admin.display(description="signing secrets (newest first)")
    def signing_secrets(self, endpoint: WebhookEndpoint) -> str:
        lines = [f"{s['secret']}  (expires {s.get('expires_at') or 'never'})" for s in endpoint.secrets]
        return format_html("<pre>{}</pre>", "\n".join(lines))

    def has_send_test_event_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.send_test_event")

    @admin.action(description="Send a test event", permissions=["send_test_event"])
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            delivery = services.endpoint_send_test_event(endpoint_id=endpoint.pk)
            self.message_user(
                request, f"Test event {delivery.event_id} queued for {endpoint}.", messages.SUCCESS
            )

    @admin.action(description="Rotate signing secret", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint_id=endpoint.pk)
            self.message_user(
                request,
                f"New secret for {endpoint}; the previous one keeps signing until it expires (see the endpoint).",
                messages.SUCCESS,
            )

    def get_urls(self):
        enable = path(
            "<int:endpoint_id>/enable/",
            self.admin_site.admin_view(self.enable_view),
            name="notifications_webhookendpoint_enable",
        )
        return [enable, *super().get_urls()]

    def enable_view(self, request: HttpRequest, endpoint_id: int):
        """Re-enable an automatically disabled endpoint, offering to replay what it missed."""
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        if request.method == "POST":
            replayed = services.endpoint_enable(
                endpoint_id=endpoint.pk, replay_missed=request.POST.get("replay_missed") == "on"
            )
            self.message_user(request, f"{endpoint} re-enabled; {replayed} missed deliveries replayed.")
            return redirect(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "endpoint": endpoint,
            "missed": deliveries_missed(endpoint_id=endpoint.pk).count(),
            "title": f"Re-enable {endpoint}",
        }
        return TemplateResponse(request, "admin/notifications/webhookendpoint/enable.html", context)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "event_type", "channel", "recipient", "status", "attempts", "response_status", "latency_ms",
    )  # fmt: skip
    list_filter = ("status", "channel", "endpoint", "event_type")
    search_fields = ("=event_id", "recipient")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("endpoint",)
    actions = ["replay_selected"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_replay_permission(request)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.replay_delivery")

    @admin.action(description="Replay selected dead or missed deliveries", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        replayed = services.deliveries_replay(delivery_ids=ids)
        skipped = len(ids) - replayed
        self.message_user(request, f"Replayed {replayed} deliveries.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only {DeliveryStatus.DEAD} or {DeliveryStatus.MISSED} deliveries are replayed.",
                messages.WARNING,
            )
