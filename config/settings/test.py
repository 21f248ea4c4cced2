"""pytest settings: the machine's real PostgreSQL, Redis and RabbitMQ on 127.0.0.1 unless the
environment names others. `make test` needs no variable; tests/preflight.py stops the run with one
clear line when a service does not answer."""

import os
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from kombu import Queue

# Test defaults, set before base settings read the environment. pytest-django creates (and drops)
# test_commerce and test_commerce_reporting; Redis DB 1 keeps test keys off a developer's DB 0.
TEST_SERVICE_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/commerce",
    "REPORTING_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/commerce_reporting",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
}
for _name, _default in TEST_SERVICE_DEFAULTS.items():
    os.environ.setdefault(_name, _default)


from config.settings.base import *  # noqa: E402, F403
from config.settings.base import BASE_DIR, CACHES, LOGGING, MONGODB, env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["handlers"]["stdout"]["formatter"] = env("LOG_FORMAT", default="console")
# Keep test keys apart from a developer's running stack sharing the same Redis.
CACHES["default"]["KEY_PREFIX"] = "commerce-test"

if not MONGODB["mock"]:
    # Never let the suite write to the configured catalog database itself.
    _uri = urlsplit(MONGODB["host"])
    _name = _uri.path.lstrip("/") or "commerce"
    MONGODB = {**MONGODB, "host": urlunsplit(_uri._replace(path=f"/test_{_name}"))}
WHITENOISE_AUTOREFRESH = True  # no collectstatic before tests
# Test workers (tests/events/conftest.py) run probe and notification handlers, never the catalog's.
CATALOG_EMBEDDED_PER_PROCESS = True

# Every event a producer sends in a test is checked against its schema, strictly (as everywhere
# by default), and kept as a sample for contracts/node (`make contracts`).
EVENTS_VALIDATE_ON_SEND = True
EVENTS_SAMPLE_DIR = BASE_DIR / "var" / "event-samples"

# Short retries so failure paths finish in seconds; a queue of their own for test workers.
EVENTS_RETRY_SCHEDULE = (0.2, 0.4, 0.6)
EVENTS_REDRIVE_AFTER = timedelta(seconds=5)
EVENTS_OUTAGE_BACKOFF_MAX = 2.0
# TEST_QUEUE lets two suites share one broker without taking each other's tasks.
_QUEUE = env("TEST_QUEUE", default="commerce-test")
CELERY_TASK_DEFAULT_QUEUE = EVENTS_QUEUE = _QUEUE
EVENTS_EXCHANGE = f"{_QUEUE}.events"  # another suite's workers must not get this one's events
CELERY_TASK_QUEUES = (
    Queue(_QUEUE),
    Queue(f"{_QUEUE}.relay"),
    Queue(f"{_QUEUE}.notifications"),
    Queue(f"{_QUEUE}.webhooks"),
)
CELERY_TASK_ROUTES = {
    "events.relay": {"queue": f"{_QUEUE}.relay"},
    "notifications.send_message": {"queue": f"{_QUEUE}.notifications"},
    "notifications.send_webhook": {"queue": f"{_QUEUE}.webhooks"},
    "notifications.send_webhooks": {"queue": f"{_QUEUE}.webhooks"},
}
BACKPRESSURE_SHED_ON_QUEUES = (_QUEUE, f"{_QUEUE}.relay")
INSTALLED_APPS = [*INSTALLED_APPS, "tests.events.probe"]  # noqa: F405
# Test workers run beat in-process (-B): sweep often so a lost nudge costs a second, not five.
CELERY_BEAT_SCHEDULE = {
    "events-relay-sweep": {"task": "events.relay", "schedule": 1.0},
    "events-redrive": {"task": "events.redrive", "schedule": 1.0},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 1.0},
}
# Notifications: retries in fractions of a second, receivers on 127.0.0.1, messages kept in memory.
NOTIFICATIONS_RETRY_SCHEDULES = {"webhook": (0.3, 0.6), "email": (0.3,), "sms": (0.3,)}
NOTIFICATIONS_SWEEP_GRACE = 1
NOTIFICATIONS_WEBHOOK_TIMEOUT = 2
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = True
NOTIFICATIONS_SMS_PROVIDER = {"class": "apps.notifications.sms.LocmemSmsProvider"}
# Real-worker tests read what a worker process sends from an SMTP server they run on 127.0.0.1.
if env("TEST_SMTP_PORT", default=None):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = "127.0.0.1", env.int("TEST_SMTP_PORT")
    EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
    EMAIL_USE_TLS = EMAIL_USE_SSL = False
