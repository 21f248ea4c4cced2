"""The operations role runs webhook endpoints (add, change, switch off, test, rotate secrets) and
replays dead deliveries; it does not delete endpoints (issue 19)."""

from django.db import migrations

from apps.common.roles import roles_migration

ENDPOINT = ("notifications", "webhookendpoint")
DELIVERY = ("notifications", "delivery")
GRANTS = {
    "operations": [
        (*ENDPOINT, "view_webhookendpoint", "Can view webhook endpoint"),
        (*ENDPOINT, "add_webhookendpoint", "Can add webhook endpoint"),
        (*ENDPOINT, "change_webhookendpoint", "Can change webhook endpoint"),
        (*ENDPOINT, "send_test_event", "Can send a test event to a webhook endpoint"),
        (*DELIVERY, "view_delivery", "Can view delivery"),
        (*DELIVERY, "replay_delivery", "Can replay deliveries"),
    ]
}


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [roles_migration(GRANTS)]
