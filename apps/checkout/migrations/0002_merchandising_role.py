"""The `merchandising` staff role: runs shipping, taxes and vouchers, and reads checkouts.

The group is taken by name with get_or_create: the catalog's own migration gives the same group
its catalog permissions, and whichever runs first creates it. The permissions (Django's
add/change/delete/view) are created here if post_migrate has not made them yet, as
accounts.0002_role_groups does; Django then reuses these rows.
"""

from django.db import migrations

from apps.common.roles import roles_migration

ROLE = "merchandising"
MANAGED = ("shippingzone", "shippingmethod", "shippingweightband", "taxrate", "voucher")
READ_ONLY = ("checkout", "checkoutline", "voucherredemption")
VERBOSE = {
    "shippingzone": "shipping zone",
    "shippingmethod": "shipping method",
    "shippingweightband": "shipping weight band",
    "taxrate": "tax rate",
    "voucher": "voucher",
    "checkout": "checkout",
    "checkoutline": "checkout line",
    "voucherredemption": "voucher redemption",
}


def _permissions():
    for model in MANAGED:
        for action in ("add", "change", "delete", "view"):
            yield "checkout", model, f"{action}_{model}", f"Can {action} {VERBOSE[model]}"
    for model in READ_ONLY:
        yield "checkout", model, f"view_{model}", f"Can view {VERBOSE[model]}"


# Unapplied, only these permissions go (the group may hold the catalog's too), and the group with
# them if it is left with none.
GRANTS = {ROLE: list(_permissions())}


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [roles_migration(GRANTS, drop_emptied=True)]
