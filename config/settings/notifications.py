"""Production notifications deployment (issue 14 §4): notifications alone, its worker, beat and
admin (config/urls_notifications.py), on its own database NOTIFICATIONS_DATABASE_URL and queues
(`notifications`, `.relay`, `.messages`, `.webhooks`), consuming the events it subscribes to from
the shared exchange. What it needs from other modules comes in the events or from their
published APIs (NOTIFICATIONS_ACCOUNTS_URL, NOTIFICATIONS_ORDERS_URL)."""

from config.deployments import notifications_alone
from config.settings.hardened import *  # noqa: F403
from config.settings.hardened import env

for _name in ("NOTIFICATIONS_DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    env(_name)

notifications_alone(globals())
