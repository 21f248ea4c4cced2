"""Admin bases shared by every module's back-office pages (no models of its own are registered)."""

from django.contrib import admin


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
