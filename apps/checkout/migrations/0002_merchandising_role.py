"""The `merchandising` staff role: runs shipping, taxes and vouchers, and reads checkouts.

The group is taken by name with get_or_create: the catalog's own migration gives the same group
its catalog permissions, and whichever runs first creates it. The permissions (Django's
add/change/delete/view) are created here if post_migrate has not made them yet, as
accounts.0002_role_groups does; Django then reuses these rows.
"""

from django.db import migrations

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
            yield model, f"{action}_{model}", f"Can {action} {VERBOSE[model]}"
    for model in READ_ONLY:
        yield model, f"view_{model}", f"Can view {VERBOSE[model]}"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    group, _ = Group.objects.using(db).get_or_create(name=ROLE)
    for model, codename, name in _permissions():
        content_type, _ = ContentType.objects.using(db).get_or_create(app_label="checkout", model=model)
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    """Take back only this migration's permissions: the group may hold the catalog's too."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group = Group.objects.using(db).filter(name=ROLE).first()
    if group is None:
        return
    ours = Permission.objects.using(db).filter(
        content_type__app_label="checkout", codename__in=[codename for _, codename, _ in _permissions()]
    )
    group.permissions.remove(*ours)
    if not group.permissions.exists():
        group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
