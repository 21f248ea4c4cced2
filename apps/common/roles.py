"""Role groups are data: each module's migrations grant its own permissions to the groups
(get_or_create by name, so any module may be first to mention a role).

Used only from migrations, with the historical `apps`. Permissions are (app_label, model,
codename, name); the content type and permission rows are created when the model's own
post_migrate has not run yet, and Django then reuses them.

Migrations run these functions as they are today: keep what they do to the rows unchanged (a new
behaviour is a new function), or an old migration would do something else on a fresh database.
"""

from django.db import migrations

Permission = tuple[str, str, str, str]


def roles_migration(
    grants: dict[str, list[Permission]], *, drop_emptied: bool = False
) -> migrations.RunPython:
    """The RunPython of a migration that grants `grants` (and takes them back when unapplied)."""
    return migrations.RunPython(
        lambda apps, editor: roles_grant(apps, editor, grants),
        lambda apps, editor: roles_revoke(apps, editor, grants, drop_emptied=drop_emptied),
    )


def roles_grant(apps, schema_editor, grants: dict[str, list[Permission]]) -> None:
    Group = apps.get_model("auth", "Group")
    PermissionModel = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for role, permissions in grants.items():
        group, _ = Group.objects.using(db).get_or_create(name=role)
        for app_label, model, codename, name in permissions:
            content_type, _ = ContentType.objects.using(db).get_or_create(app_label=app_label, model=model)
            permission, _ = PermissionModel.objects.using(db).get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def roles_revoke(
    apps, schema_editor, grants: dict[str, list[Permission]], *, drop_emptied: bool = False
) -> None:
    """Take back only these permissions (a group may hold other modules' too); `drop_emptied`:
    delete a group this left with none."""
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for role, permissions in grants.items():
        group = Group.objects.using(db).filter(name=role).first()
        if group is not None:
            codenames = [codename for _, _, codename, _ in permissions]
            group.permissions.remove(*group.permissions.filter(codename__in=codenames))
            if drop_emptied and not group.permissions.exists():
                group.delete()
