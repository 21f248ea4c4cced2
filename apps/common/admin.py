"""Admin bases shared by every module's back-office pages (no models of its own are registered)."""

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import admin

from apps.common.money import Money


class MajorUnitsField(forms.DecimalField):
    """Staff type an amount in major units ("4.90"); the column keeps minor units (490) of the
    currency `currency()` names. Negative amounts and sub-minor precision are form errors."""

    def __init__(self, *, currency: Callable[[], str], **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)
        self.currency = currency
        self.help_text = self.help_text or f"In major units of {currency()}, e.g. 4.90."

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):  # the stored minor units
            return Money(value, self.currency()).to_decimal()
        return value

    def clean(self, value) -> int | None:
        major = super().clean(value)
        if major is None:
            return None
        try:
            return Money.from_decimal(major, self.currency()).amount
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def has_changed(self, initial, data) -> bool:
        try:
            return self.clean(data) != initial
        except forms.ValidationError:
            return True


class _NoWrites:
    """Staff see these rows; code writes them (events, projections, orders, payments), and staff
    act through the module's own pages and actions, never by adding, editing or deleting a row."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    """A model's admin with no add, change or delete."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    """Rows shown as part of their parent (an order's lines, a payment's refunds): whoever holds
    `parent_permission` sees them, nobody edits them."""

    extra = 0
    can_delete = False
    parent_permission = ""  # "orders.view_order"; empty: the inline model's own view permission

    def has_view_permission(self, request, obj=None) -> bool:
        if self.parent_permission:
            return request.user.has_perm(self.parent_permission)
        return super().has_view_permission(request, obj)
