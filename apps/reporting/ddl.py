"""The SQL of a reporting migration for any database engine, without connecting to it.

sqlmigrate asks the database which migrations are applied before it prints anything, so it
needs a live SQL Server; this does the rest of what sqlmigrate does, offline."""

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader


def migration_sql(*, connection: BaseDatabaseWrapper, migration: str) -> list[str]:
    """The statements `migration` of the reporting app runs on `connection`'s engine."""
    loader = MigrationLoader(None, ignore_no_migrations=True)  # None: no applied-migrations query
    key = ("reporting", migration)
    state = loader.project_state(key, at_end=False)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        loader.get_migration(*key).apply(state, editor, collect_sql=True)
    return editor.collected_sql
