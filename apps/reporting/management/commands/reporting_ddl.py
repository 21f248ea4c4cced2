"""manage.py reporting_ddl [migration]: sqlmigrate for the reporting database, offline."""

from django.core.management.base import BaseCommand
from django.db import connections

from apps.reporting.ddl import migration_sql


class Command(BaseCommand):
    help = (
        "Print the SQL of a reporting migration for the reporting database's engine (SQL Server in "
        "production) without connecting: sqlmigrate needs a live server."
    )

    def add_arguments(self, parser):
        parser.add_argument("migration", nargs="?", default="0001_initial")

    def handle(self, *args, migration: str, **options):
        self.stdout.write("\n".join(migration_sql(connection=connections["reporting"], migration=migration)))
