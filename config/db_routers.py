"""Keep apps.reporting on the `reporting` database (SQL Server) and everything else off it."""

REPORTING_APP = "reporting"
REPORTING_DB = "reporting"


class ReportingRouter:
    def db_for_read(self, model, **hints):
        return REPORTING_DB if model._meta.app_label == REPORTING_APP else None

    def db_for_write(self, model, **hints):
        return REPORTING_DB if model._meta.app_label == REPORTING_APP else None

    def allow_relation(self, obj1, obj2, **hints):
        # No relation may cross the reporting boundary in either direction.
        in_reporting = {obj._meta.app_label == REPORTING_APP for obj in (obj1, obj2)}
        return False if len(in_reporting) == 2 else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return (db == REPORTING_DB) == (app_label == REPORTING_APP)
