"""Staff role groups with least privilege.

support reads orders and payments and cancels orders; fulfilment reads and ships orders;
finance reads, captures and refunds payments (only finance may refund).

Permissions are (app_label, model, codename, name). The Order and Payment models arrive
with their modules; their Meta.permissions must name the same codenames, and Django then
reuses the rows created here instead of adding duplicates.
"""

from django.db import migrations

from apps.common.roles import roles_grant

VIEW_ORDER = ("orders", "order", "view_order", "Can view order")
CANCEL_ORDER = ("orders", "order", "cancel_order", "Can cancel order")
SHIP_ORDER = ("orders", "order", "ship_order", "Can ship order")
VIEW_PAYMENT = ("payments", "payment", "view_payment", "Can view payment")
CAPTURE_PAYMENT = ("payments", "payment", "capture_payment", "Can capture payment")
REFUND_PAYMENT = ("payments", "payment", "refund_payment", "Can refund payment")
VIEW_USER = ("accounts", "user", "view_user", "Can view user")

ROLE_PERMISSIONS = {
    "support": [VIEW_ORDER, CANCEL_ORDER, VIEW_PAYMENT, VIEW_USER],
    "fulfilment": [VIEW_ORDER, SHIP_ORDER],
    "finance": [VIEW_ORDER, VIEW_PAYMENT, CAPTURE_PAYMENT, REFUND_PAYMENT],
}


def create_role_groups(apps, schema_editor):
    roles_grant(apps, schema_editor, ROLE_PERMISSIONS)


def remove_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
