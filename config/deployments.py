"""The shapes one codebase deploys in (issue 14 §4). A settings module calls one of these last,
on its own namespace (`globals()`), so that its queue names and schedules are the ones reshaped:

- the monolith (no call): every module in one set of processes;
- `shop_without_notifications`: the monolith while notifications runs apart. It still publishes
  every event; its workers run every handler but notifications', whose queues it does not have;
- `notifications_alone`: notifications with its worker, beat and admin, on its own database
  (NOTIFICATIONS_DATABASE_URL, the one the monolith's `notifications` alias used) and queues,
  reading the events from the shared exchange.
"""

from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

NOTIFICATIONS = "apps.notifications"
NOTIFICATIONS_TASKS = "notifications."
ADMIN_WITH_BACK_OFFICE = "apps.backoffice.apps.BackOfficeAdminConfig"
# What the notifications deployment runs without: the modules it hears about only through events
# and published APIs, the demo data and the back office built on them.
NOT_IN_NOTIFICATIONS = {
    "apps.catalog",
    "apps.checkout",
    "apps.orders",
    "apps.payments",
    "apps.reporting",
    "apps.demo",
    "apps.backoffice.apps.BackOfficeConfig",
    "tests.events.probe",
}
# Beat entries the notifications deployment keeps, by task prefix: its own and those of the
# modules it has its own copy of (the backbone, the shared kernel, accounts for its staff).
NOTIFICATIONS_BEAT = ("events.", "notifications.", "common.", "accounts.")


def shop_without_notifications(settings: dict) -> None:
    settings["INSTALLED_APPS"] = [app for app in settings["INSTALLED_APPS"] if app != NOTIFICATIONS]
    # Its database is the notifications deployment's now: this relay must not read that outbox.
    settings["DATABASES"].pop("notifications", None)
    routes = settings["CELERY_TASK_ROUTES"]
    theirs = {route["queue"] for task, route in routes.items() if task.startswith(NOTIFICATIONS_TASKS)}
    settings["CELERY_TASK_QUEUES"] = tuple(q for q in settings["CELERY_TASK_QUEUES"] if q.name not in theirs)
    settings["CELERY_TASK_ROUTES"] = {
        t: r for t, r in routes.items() if not t.startswith(NOTIFICATIONS_TASKS)
    }
    settings["CELERY_BEAT_SCHEDULE"] = {
        name: entry
        for name, entry in settings["CELERY_BEAT_SCHEDULE"].items()
        if not entry["task"].startswith(NOTIFICATIONS_TASKS)
    }
    settings["DEPLOYMENT"] = "shop"


def notifications_alone(settings: dict, *, queue: str = "notifications") -> None:
    """`queue`: the name of its events queue, and the prefix of its other queues."""
    if "notifications" not in settings["DATABASES"]:
        raise ImproperlyConfigured(
            "The notifications deployment needs NOTIFICATIONS_DATABASE_URL (its database)"
        )
    settings["INSTALLED_APPS"] = [
        "django.contrib.admin" if app == ADMIN_WITH_BACK_OFFICE else app
        for app in settings["INSTALLED_APPS"]
        if app not in NOT_IN_NOTIFICATIONS
    ]
    # Its own database is its default: its staff, sessions and the backbone's tables are there too.
    settings["DATABASES"] = {"default": settings["DATABASES"]["notifications"]}
    settings["DATABASE_ROUTERS"] = []
    settings["CELERY_TASK_DEFAULT_QUEUE"] = settings["EVENTS_QUEUE"] = queue
    settings["CELERY_TASK_QUEUES"] = tuple(
        Queue(name) for name in (queue, f"{queue}.relay", f"{queue}.messages", f"{queue}.webhooks")
    )
    settings["CELERY_TASK_ROUTES"] = {
        "events.relay": {"queue": f"{queue}.relay"},
        "notifications.send_message": {"queue": f"{queue}.messages"},
        "notifications.send_webhook": {"queue": f"{queue}.webhooks"},
        "notifications.send_webhooks": {"queue": f"{queue}.webhooks"},
    }
    settings["CELERY_BEAT_SCHEDULE"] = {
        name: entry
        for name, entry in settings["CELERY_BEAT_SCHEDULE"].items()
        if entry["task"].startswith(NOTIFICATIONS_BEAT)
    }
    settings["BACKPRESSURE_SHED_ON_QUEUES"] = ()  # no sales path here to shed
    settings["ROOT_URLCONF"] = "config.urls_notifications"
    settings["DEPLOYMENT"] = "notifications"
