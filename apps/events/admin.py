from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.common.admin import ReadOnlyAdmin
from apps.events.display import pretty_json
from apps.events.models import DeadLetter, OutboxEvent
from apps.events.replay import ReplayPlan, dead_letters_replay
from apps.events.selectors import dead_letters_in_window, dead_letters_with_status, outbox_backlog


class OutboxStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("published", "Published")]

    def queryset(self, request, queryset):
        if self.value() in ("pending", "published"):
            return queryset.filter(published_at__isnull=self.value() == "pending")
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "subject", "handler", "attempt", "available_at", "published_at")
    list_filter = (OutboxStateFilter, "type")
    search_fields = ("=event_id", "=subject")
    ordering = ("-id",)
    change_list_template = "admin/events/outboxevent/change_list.html"
    readonly_fields = ("event_id", "type", "subject", "handler", "attempt", "available_at", "published_at", "created_at", "pretty_envelope")  # fmt: skip
    exclude = ("envelope",)

    @admin.display(description="envelope")
    def pretty_envelope(self, event: OutboxEvent) -> str:
        return pretty_json(event.envelope)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "backlog": outbox_backlog()})


class SettledFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "settled"

    def lookups(self, request, model_admin):
        return [("no", "Open (not processed since)"), ("yes", "Settled (processed since)")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(settled=self.value() == "yes")
        return queryset


class ReplayWindowForm(forms.Form):
    failed_from = forms.SplitDateTimeField(label="Last failed from", widget=admin.widgets.AdminSplitDateTime)
    failed_until = forms.SplitDateTimeField(
        label="until (exclusive)", widget=admin.widgets.AdminSplitDateTime
    )
    dry_run = forms.BooleanField(required=False, initial=True, help_text="Only list what would be replayed.")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("failed_from")
            and cleaned.get("failed_until")
            and cleaned["failed_from"] >= cleaned["failed_until"]
        ):
            self.add_error("failed_until", "Must be after the start of the window.")
        return cleaned


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "handler", "attempts", "last_failed_at", "replay_count", "status")
    list_filter = (SettledFilter, "event_type", "handler")
    date_hierarchy = "last_failed_at"
    search_fields = ("=event_id",)
    ordering = ("-last_failed_at",)
    actions = ["replay_selected", "dry_run_selected"]
    change_list_template = "admin/events/deadletter/change_list.html"
    readonly_fields = (
        "event_id", "event_type", "handler", "attempts", "first_failed_at", "last_failed_at",
        "replayed_at", "replay_count", "error", "traceback", "pretty_envelope",
    )  # fmt: skip
    exclude = ("envelope",)

    @admin.display(description="envelope")
    def pretty_envelope(self, letter: DeadLetter) -> str:
        return pretty_json(letter.envelope)

    def get_queryset(self, request) -> QuerySet[DeadLetter]:
        return dead_letters_with_status()

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_replay_permission(request)

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("events.replay_deadletter")

    @admin.display(description="status", boolean=False)
    def status(self, letter: DeadLetter) -> str:
        return "settled" if letter.settled else "open"

    @admin.action(description="Replay selected dead letters", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        self._report(
            request,
            dead_letters_replay(dead_letter_ids=queryset.values_list("pk", flat=True), dry_run=False),
            dry_run=False,
        )

    @admin.action(description="Dry run: what would replaying the selected do?", permissions=["replay"])
    def dry_run_selected(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        self._report(
            request,
            dead_letters_replay(dead_letter_ids=queryset.values_list("pk", flat=True), dry_run=True),
            dry_run=True,
        )

    def get_urls(self):
        window = path(
            "replay-window/",
            self.admin_site.admin_view(self.replay_window_view),
            name="events_deadletter_replay_window",
        )
        return [window, *super().get_urls()]

    def replay_window_view(self, request: HttpRequest):
        if not self.has_replay_permission(request):
            raise PermissionDenied
        form = ReplayWindowForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            letters = dead_letters_in_window(
                failed_from=form.cleaned_data["failed_from"], failed_until=form.cleaned_data["failed_until"]
            )
            dry_run = form.cleaned_data["dry_run"]
            plan = dead_letters_replay(dead_letter_ids=letters.values_list("pk", flat=True), dry_run=dry_run)
            self._report(request, plan, dry_run=dry_run)
            if not dry_run:
                return redirect(reverse("admin:events_deadletter_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Replay dead letters in a time window",
        }
        return TemplateResponse(request, "admin/events/deadletter/replay_window.html", context)

    def _report(self, request: HttpRequest, plan: list[ReplayPlan], *, dry_run: bool) -> None:
        if not plan:
            self.message_user(request, "No dead letters matched.", messages.WARNING)
            return
        if not dry_run:  # the admin history of each letter replayed
            for letter in DeadLetter.objects.filter(pk__in=[item.dead_letter_id for item in plan]):
                self.log_change(request, letter, "Replayed.")
        verb = "Dry run — would replay" if dry_run else "Replayed"
        self.message_user(
            request, f"{verb} {len(plan)} dead letter(s).", messages.INFO if dry_run else messages.SUCCESS
        )
        for item in plan[:50]:
            self.message_user(request, item.describe(), messages.INFO)
        if len(plan) > 50:
            self.message_user(request, f"… and {len(plan) - 50} more.", messages.INFO)
