from django.db import models


class ProductAdminEntry(models.Model):
    """No table: gives the MongoDB-backed product screens a place (and permissions) in the admin.

    Django's admin cannot register mongoengine documents; apps/catalog/admin.py serves its own
    views under this entry, guarded by these permissions.
    """

    class Meta:
        managed = False
        verbose_name = "product"
        verbose_name_plural = "products"
        default_permissions = ("view", "add", "change")
        permissions = [("adjust_stock", "Can adjust stock")]

    def __str__(self) -> str:
        return "product"
