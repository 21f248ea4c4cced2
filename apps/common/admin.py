"""Admin pieces shared by the modules."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the code writes and staff only read (actions, where any, are pages of their own)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
