"""Every role that reads orders may read and add staff notes (issue 19)."""

from django.db import migrations

from apps.common.roles import roles_migration

NOTES = [
    ("orders", "ordernote", "view_ordernote", "Can view order note"),
    ("orders", "ordernote", "add_ordernote", "Can add order note"),
]
GRANTS = {"support": NOTES, "fulfilment": NOTES, "finance": NOTES}


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_order_notes"), ("accounts", "0002_role_groups")]

    operations = [roles_migration(GRANTS)]
