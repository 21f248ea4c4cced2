"""The `merchandising` staff role manages the catalog; support and fulfilment may read it.

Groups are found or created by name (other modules add their own permissions to the same
groups the same way). Permissions are those of the table-less ProductAdminEntry, which guards
every catalog screen: products, variants, media, categories, stock adjustments.
"""

from django.db import migrations

VIEW = ("view_productadminentry", "Can view product")
ADD = ("add_productadminentry", "Can add product")
CHANGE = ("change_productadminentry", "Can change product")
ADJUST = ("adjust_stock", "Can adjust stock")

ROLE_PERMISSIONS = {
    "merchandising": [VIEW, ADD, CHANGE, ADJUST],
    "support": [VIEW],
    "fulfilment": [VIEW],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label="catalog", model="productadminentry"
    )
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(db).get_or_create(name=role)
        for codename, name in permissions:
            permission, _ = Permission.objects.using(db).get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.using(db).filter(name=role).first()
        if group is not None:
            codenames = [codename for codename, _ in permissions]
            group.permissions.remove(
                *Permission.objects.using(db).filter(
                    content_type__app_label="catalog", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_product_admin_entry"),
        ("accounts", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
