"""Reporting in the back office: read-only lists of the projections; daily sales with a day range,
currency filter and CSV export of exactly what the filters show."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path

from apps.common.admin import ReadOnlyAdmin
from apps.common.csv_stream import csv_lines
from apps.common.money import format_money, money_column
from apps.reporting.models import DailySales, OrderFact, PaymentFact

CSV_COLUMNS = (
    "day",
    "currency",
    "status",
    "orders",
    "items",
    "gross_amount",
    "captured_amount",
    "refunded_amount",
    "voided_amount",
    "net_amount",
)


class DayRangeFilter(admin.FieldListFilter):
    """From/to day inputs (inclusive), sent as `<field>__gte` / `<field>__lte`."""

    template = "admin/reporting/day_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_gte, self.lookup_lte = f"{field_path}__gte", f"{field_path}__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = f"{self.title} (from - to)"

    def expected_parameters(self) -> list[str]:
        return [self.lookup_gte, self.lookup_lte]

    def choices(self, changelist):
        mine = self.expected_parameters()
        yield {
            "gte": changelist.params.get(self.lookup_gte, ""),
            "lte": changelist.params.get(self.lookup_lte, ""),
            "lookup_gte": self.lookup_gte,
            "lookup_lte": self.lookup_lte,
            "others": [(k, v) for k, v in changelist.params.items() if k not in mine],
            "reset": changelist.get_query_string(remove=mine),
        }


class ProjectionAdmin(ReadOnlyAdmin):
    """Projections are written by events and the backfill only."""

    show_full_result_count = False
    list_per_page = 100


@admin.register(DailySales)
class DailySalesAdmin(ProjectionAdmin):
    list_display = [
        "day",
        "currency",
        "status",
        "orders",
        "items",
        "gross",
        "captured",
        "refunded",
        "voided",
        "net",
    ]
    list_filter = [("day", DayRangeFilter), "currency", "status"]
    change_list_template = "admin/reporting/dailysales/change_list.html"

    gross = money_column("gross_amount", "gross")
    captured = money_column("captured_amount", "captured")
    refunded = money_column("refunded_amount", "refunded")
    voided = money_column("voided_amount", "voided / failed captures")

    @admin.display(description="net (kept)")
    def net(self, obj: DailySales) -> str:
        return format_money(obj.net_amount, obj.currency)

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export.csv", export, name="reporting_dailysales_export"), *super().get_urls()]

    def export_csv(self, request):
        """The rows the changelist's filters select, all pages, as CSV (amounts in minor units)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = self.get_changelist_instance(request).get_queryset(request)
        lines = csv_lines(CSV_COLUMNS, ([getattr(r, c) for c in CSV_COLUMNS] for r in rows.iterator()))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="daily-sales.csv"'
        return response


@admin.register(OrderFact)
class OrderFactAdmin(ProjectionAdmin):
    list_display = ["number", "status", "total", "refunded", "placed_at", "payment_status"]
    list_filter = [("placed_on", DayRangeFilter), "currency", "status", "payment_status"]
    search_fields = ["=number", "=order_id"]

    total = money_column("total_amount", "total")
    refunded = money_column("amount_refunded", "refunded")


@admin.register(PaymentFact)
class PaymentFactAdmin(ProjectionAdmin):
    list_display = [
        "payment_id",
        "order_id",
        "provider",
        "status",
        "captured",
        "refunded",
    ]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["=payment_id", "=order_id"]

    captured = money_column("amount_captured", "captured")
    refunded = money_column("amount_refunded", "refunded")
