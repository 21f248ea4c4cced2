from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html

from apps.common.admin import ReadOnlyAdmin
from apps.events.public import known_event_types, pretty_json
from apps.notifications import services
from apps.notifications.channels import TemplateProblem, email_render
from apps.notifications.models import Delivery, DeliveryStatus, WebhookEndpoint
from apps.notifications.selectors import deliveries_missed
from apps.notifications.sources import SourceUnavailable
from apps.notifications.urlguard import webhook_url_problem


def event_type_choices() -> list[tuple[str, str]]:
    """Wildcards first, then every known event type: staff pick, nobody types a name wrong."""
    types = known_event_types()
    modules = sorted({t.split(".")[0] for t in types})
    wildcards = [("*", "* (every event)"), *((f"{m}.*", f"{m}.* (every {m} event)") for m in modules)]
    return wildcards + [(t, t) for t in types]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=2000, label="URL", help_text="https, public host (outside DEBUG).")
    event_types = forms.MultipleChoiceField(
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this endpoint receives; a wildcard covers a whole module or everything.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "is_active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if problem := webhook_url_problem(url):
            raise forms.ValidationError(problem)
        return url


class EndpointHealthFilter(admin.SimpleListFilter):
    title = "health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [("failing", "Failing (active, last attempts failed)"), ("disabled", "Disabled automatically")]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(is_active=True, disabled_at__isnull=True, failing_since__isnull=False)
        if self.value() == "disabled":
            return queryset.filter(is_active=True, disabled_at__isnull=False)
        return queryset


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "event_types", "is_active", "state", "failing_since")
    list_filter = (EndpointHealthFilter, "is_active")
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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # Secrets go to the receiver's operators; staff who only view the endpoint do not need them.
        return (
            fields
            if self.has_change_permission(request, obj)
            else [f for f in fields if f != "signing_secrets"]
        )

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
            self.log_change(request, endpoint, f"Test event {delivery.event_id} sent.")
            self.message_user(
                request, f"Test event {delivery.event_id} queued for {endpoint}.", messages.SUCCESS
            )

    @admin.action(description="Rotate signing secret", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint_id=endpoint.pk)
            self.log_change(request, endpoint, "Signing secret rotated.")
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
            self.log_change(request, endpoint, f"Re-enabled; {replayed} missed deliveries replayed.")
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
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at", "event_type", "channel", "recipient", "status", "attempts", "response_status", "latency_ms",
    )  # fmt: skip
    list_filter = ("status", "channel", "endpoint", "event_type")
    search_fields = ("=event_id", "recipient")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("endpoint",)
    actions = ["replay_selected"]
    # Internal bookkeeping (lease, next attempt) only for a superuser; see get_fields.
    INTERNAL = ("lease_until", "next_attempt_at", "envelope")
    readonly_fields = [f.name for f in Delivery._meta.fields] + ["email_preview", "pretty_envelope"]

    def get_fields(self, request, obj=None):
        fields = [f.name for f in Delivery._meta.fields if f.name not in self.INTERNAL]
        if obj is not None and obj.channel == "email":
            fields.append("email_preview")
        fields.append("pretty_envelope")
        if request.user.is_superuser:
            fields += ["lease_until", "next_attempt_at"]
        return fields

    @admin.display(description="email as sent")
    def email_preview(self, delivery: Delivery) -> str:
        """The rendered message: subject, plain text, and the HTML in a sandboxed frame (no scripts,
        no requests from its links: srcdoc in a sandbox with nothing allowed)."""
        try:
            subject, text, html = email_render(delivery)
        except (TemplateProblem, SourceUnavailable) as exc:
            return format_html('<span class="problem">Cannot render: {}</span>', exc)
        return format_html(
            '<div id="email-preview"><p><strong>Subject:</strong> <span class="email-subject">{}</span></p>'
            '<h4>Plain text</h4><pre class="envelope email-text">{}</pre>'
            '<h4>HTML</h4><iframe class="email-html" sandbox="" srcdoc="{}" '
            'style="width:100%;height:420px;border:1px solid #ccc;background:#fff"></iframe></div>',
            # render_to_string returns SafeStrings: escape() always escapes, which the srcdoc
            # attribute needs (and the text is shown as text, not as markup).
            escape(subject),
            escape(text),
            escape(html),
        )

    @admin.display(description="envelope")
    def pretty_envelope(self, delivery: Delivery) -> str:
        return pretty_json(delivery.envelope)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_replay_permission(request)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.replay_delivery")

    @admin.action(description="Replay selected dead or missed deliveries", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        replayable = list(queryset.filter(status__in=[DeliveryStatus.DEAD, DeliveryStatus.MISSED]))
        replayed = services.deliveries_replay(delivery_ids=ids)
        for delivery in replayable:
            self.log_change(request, delivery, "Replayed.")
        skipped = len(ids) - replayed
        self.message_user(request, f"Replayed {replayed} deliveries.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only {DeliveryStatus.DEAD} or {DeliveryStatus.MISSED} deliveries are replayed.",
                messages.WARNING,
            )
