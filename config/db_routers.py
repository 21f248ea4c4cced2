"""Keep apps.reporting on the `reporting` database (SQL Server) and everything else off it; with a
`notifications` database configured, keep apps.notifications there alone, beside its own copy of
the event backbone's tables (the handler's writes and its inbox row commit in one connection)."""

from django.conf import settings

REPORTING_APP = "reporting"
REPORTING_DB = "reporting"
NOTIFICATIONS_APP = "notifications"
NOTIFICATIONS_DB = "notifications"
EVENTS_APP = "events"


class NotificationsRouter:
    """Does nothing unless DATABASES has a `notifications` alias (the monolith default): then
    every table stays on `default`, as before the alias existed."""

    @staticmethod
    def _configured() -> bool:
        return NOTIFICATIONS_DB in settings.DATABASES

    def db_for_read(self, model, **hints):
        if self._configured() and model._meta.app_label == NOTIFICATIONS_APP:
            return NOTIFICATIONS_DB
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        if not self._configured():
            return None
        in_notifications = {obj._meta.app_label == NOTIFICATIONS_APP for obj in (obj1, obj2)}
        return False if len(in_notifications) == 2 else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if not self._configured():
            return None
        if app_label == NOTIFICATIONS_APP:
            return db == NOTIFICATIONS_DB
        if db == NOTIFICATIONS_DB:
            return app_label == EVENTS_APP  # the inbox, retries and dead letters of its handlers
        return None


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
