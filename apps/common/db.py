"""Small database helpers shared by the modules."""

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


def insert_one(model: type[models.Model], **fields) -> models.Model:
    """INSERT one row; IntegrityError if it conflicts with a unique constraint.

    In autocommit (a web request) that is one statement: no BEGIN/COMMIT round trips. Inside a
    transaction a savepoint keeps a conflict from breaking the caller's transaction.
    """
    if transaction.get_connection(model._default_manager.db).in_atomic_block:
        with transaction.atomic(using=model._default_manager.db):
            return model._default_manager.create(**fields)
    return model._default_manager.create(**fields)


def update_at_version(instance: models.Model, **changes) -> bool:
    """Optimistic locking, the one way every stateful module writes its rows: `UPDATE … SET
    changes, version = version + 1 WHERE pk = … AND version = <the version read>`. On success the
    instance carries the changes and its new version; False when another writer got there first
    (the caller raises its own conflict). `updated_at` is stamped when the model has one."""
    if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    updated = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=instance.version)
        .update(version=F("version") + 1, **changes)
    )
    if not updated:
        return False
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.version += 1
    return True
