"""Role groups are data: each module's migrations grant its own permissions to the groups
(get_or_create by name, so any module may be first to mention a role).

Used only from migrations, with the historical `apps`. Permissions are (app_label, model,
codename, name); the content type and permission rows are created when the model's own
post_migrate has not run yet, and Django then reuses them.
"""

Permission = tuple[str, str, str, str]


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


def roles_revoke(apps, schema_editor, grants: dict[str, list[Permission]]) -> None:
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for role, permissions in grants.items():
        group = Group.objects.using(db).filter(name=role).first()
        if group is not None:
            codenames = [codename for _, _, codename, _ in permissions]
            group.permissions.remove(*group.permissions.filter(codename__in=codenames))
