"""Finance reads reporting: daily sales, order and payment facts (issue 19).

Here, not in apps.reporting: reporting's migrations run only on the reporting database
(config/db_routers.py), where the auth tables do not exist."""

from django.db import migrations

from apps.common.roles import roles_migration

GRANTS = {
    "finance": [
        ("reporting", "dailysales", "view_dailysales", "Can view daily sales"),
        ("reporting", "orderfact", "view_orderfact", "Can view order fact"),
        ("reporting", "paymentfact", "view_paymentfact", "Can view payment fact"),
    ],
}


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_address_book")]

    operations = [roles_migration(GRANTS)]
