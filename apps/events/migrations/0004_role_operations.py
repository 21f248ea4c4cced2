"""The operations role reads the outbox and dead letters and replays dead letters (issue 19)."""

from django.db import migrations

from apps.common.roles import roles_migration

GRANTS = {
    "operations": [
        ("events", "outboxevent", "view_outboxevent", "Can view outbox event"),
        ("events", "deadletter", "view_deadletter", "Can view dead letter"),
        ("events", "deadletter", "replay_deadletter", "Can replay dead letters"),
    ]
}


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_outboxevent_events_outbox_subject"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [roles_migration(GRANTS)]
