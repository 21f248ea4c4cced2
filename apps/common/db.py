"""Small database helpers shared by the modules."""

from django.db import models, transaction


def insert_one(model: type[models.Model], **fields) -> models.Model:
    """INSERT one row; IntegrityError if it conflicts with a unique constraint.

    In autocommit (a web request) that is one statement: no BEGIN/COMMIT round trips. Inside a
    transaction a savepoint keeps a conflict from breaking the caller's transaction.
    """
    if transaction.get_connection(model._default_manager.db).in_atomic_block:
        with transaction.atomic(using=model._default_manager.db):
            return model._default_manager.create(**fields)
    return model._default_manager.create(**fields)
