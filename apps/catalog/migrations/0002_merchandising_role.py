"""The `merchandising` staff role manages the catalog; support and fulfilment may read it.

Groups are found or created by name (other modules add their own permissions to the same
groups the same way). Permissions are those of the table-less ProductAdminEntry, which guards
every catalog screen: products, variants, media, categories, stock adjustments.
"""

from django.db import migrations

from apps.common.roles import roles_migration

ENTRY = ("catalog", "productadminentry")
VIEW = (*ENTRY, "view_productadminentry", "Can view product")
ADD = (*ENTRY, "add_productadminentry", "Can add product")
CHANGE = (*ENTRY, "change_productadminentry", "Can change product")
ADJUST = (*ENTRY, "adjust_stock", "Can adjust stock")

ROLE_PERMISSIONS = {
    "merchandising": [VIEW, ADD, CHANGE, ADJUST],
    "support": [VIEW],
    "fulfilment": [VIEW],
}


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_product_admin_entry"),
        ("accounts", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [roles_migration(ROLE_PERMISSIONS)]
