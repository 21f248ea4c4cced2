"""Environment access for settings: the one place that knows variable names and URL formats.

Every setting that varies between the embedded default and real services is read here, so
`docker/compose.yaml` and the README can be checked against one list (`VARIABLES`).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Variables the settings read, with what an unset value means. Tests compare the docker
# compose file against this list, so add a variable here when a setting starts reading it.
VARIABLES = {
    "DJANGO_SECRET_KEY": "signing key; required in production",
    "DJANGO_DEBUG": "true/false; local settings default to true",
    "DJANGO_ALLOWED_HOSTS": "comma-separated host names; required in production",
    "DJANGO_SECURE_SSL_REDIRECT": "production: redirect http to https (default true; the local compose stack turns it off)",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "comma-separated origins for the admin behind a proxy",
    "DATABASE_URL": "PostgreSQL URL; unset = SQLite file var/commerce.sqlite3",
    "REPORTING_DATABASE_URL": "SQL Server (mssql://) URL; unset = SQLite file var/reporting.sqlite3",
    "NOTIFICATIONS_DATABASE_URL": "PostgreSQL URL of notifications' own database inside the monolith; unset = notifications stays on DATABASE_URL",
    "MONGODB_URI": "MongoDB URI for the catalog; unset = in-process mongomock (then gunicorn with >1 worker and Celery workers refuse to start)",
    "CATALOG_EMBEDDED_PER_PROCESS": "true lets several processes run on the in-memory catalog, each with its own (tests, benchmarks only)",
    "REDIS_URL": "Redis URL for the cache; unset = local-memory cache",
    "CELERY_BROKER_URL": "RabbitMQ (amqp://) or Redis URL; unset = tasks run in-process",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "OTLP/HTTP collector; unset = no trace export",
    "OTEL_TRACES_EXPORTER": "'console' prints spans; otherwise OTLP when the endpoint is set",
    "OTEL_LOGS_EXPORTER": "'otlp' also sends every log line to OTEL_EXPORTER_OTLP_ENDPOINT; unset = stdout only",
    "OTEL_SERVICE_NAME": "service.name resource attribute",
    "OTEL_SDK_DISABLED": "true turns tracing off entirely (no SDK, no instrumentation)",
    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "comma-separated instrumentations to skip: django, celery, psycopg, redis, pymongo, requests",
    "OTEL_STATEMENT_SPANS": "true adds a span per SQL statement and Redis command (off: they cost every trace ~half)",
    "OTEL_TRACES_SAMPLER": "standard OTel sampler, e.g. parentbased_traceidratio (default: every trace)",
    "OTEL_TRACES_SAMPLER_ARG": "the sampler's argument, e.g. 0.1 for one trace in ten",
    "METRICS_ENABLED": "false turns the request metrics middleware off (default true)",
    "EVENTS_VALIDATE_ON_SEND": "false skips the strict schema check of every event a producer sends (default true)",
    "METRICS_TOKEN": "bearer token /metrics requires; production without one answers 404 there",
    "PROMETHEUS_MULTIPROC_DIR": "shared directory of per-process metric files (gunicorn and prefork workers); emptied at start",
    "WORKER_METRICS_PORT": "port of a worker's own /metrics endpoint; unset = none",
    "BACKPRESSURE_OUTBOX_PENDING_MAX": "outbox events due but unpublished before place/cancel answer 503 (default 5000)",
    "BACKPRESSURE_OUTBOX_AGE_MAX": "seconds the oldest due outbox event may wait before shedding (default 60)",
    "BACKPRESSURE_QUEUE_DEPTH_MAX": "ready messages in any one broker queue before shedding (default 10000)",
    "LOG_FORMAT": "'json' or 'console'; production defaults to json",
    "LOG_LEVEL": "root log level, default INFO",
    "SANDBOX_WEBHOOK_SECRET": "HMAC secret of the sandbox payment provider's callbacks",
    "STRIPE_API_KEY": "Stripe secret key; unset = the stripe provider is off",
    "STRIPE_WEBHOOK_SECRET": "Stripe webhook signing secret (whsec_...); required with STRIPE_API_KEY",
    "STRIPE_API_BASE": "Stripe API address; default https://api.stripe.com (tests point it at a stand-in)",
    "NUM_PROXIES": "proxies in front of the app that append to X-Forwarded-For (default 0: the header is ignored)",
    "CORS_ALLOWED_ORIGINS": "comma-separated browser origins allowed to call /api/ (https://shop.example.com); '*' = any, without credentials",
    "CORS_ALLOW_CREDENTIALS": "true lets browsers send cookies cross-origin (default false; refused with '*')",
    "STOREFRONT_URL": "base URL of the storefront that verification and reset emails link to (default http://localhost:3000)",
    "STAFF_2FA_REQUIRED_ROLES": "comma-separated staff roles that must sign in with a TOTP code, e.g. finance (default: none)",
    "TEST_QUEUE": "tests only: the Celery queue test workers use (default commerce-test)",
    "TEST_SMTP_PORT": "tests only: a worker sends email to an SMTP server on 127.0.0.1 at this port (default: kept in memory)",
    "ORDERS_CAPTURE_POLICY": "'immediate' (capture right after placement, default) or 'on_shipment'",
    "CHECKOUT_PRICES_INCLUDE_TAX": "true (default): catalog and shipping prices include tax (gross); false: net",
    "CHECKOUT_EXPIRE_DAYS": "days an untouched checkout lives before it is purged (default 7)",
    "EMAIL_URL": "SMTP for notifications, e.g. smtp+tls://user:pass@smtp.example.com:587; unset = localhost:25",
    "DEFAULT_FROM_EMAIL": "sender address of customer emails (default shop@example.com)",
    "SMS_GATEWAY_URL": "HTTP SMS gateway (POST JSON to, text, parts); unset = SMS are logged",
    "SMS_GATEWAY_TOKEN": "bearer token for SMS_GATEWAY_URL",
    "NOTIFICATIONS_RATE_LIMITS": "messages/s per channel across workers, e.g. email=20,sms=5,webhook=100 (0 = unlimited)",
    "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS": "true lets webhooks go to http and private/loopback hosts; default DJANGO_DEBUG",
}


def database_from_url(url: str) -> dict:
    """Parse a database URL into a Django DATABASES entry.

    SQL Server URLs (`mssql://user:pass@host:1433/db`) default to the `mssql-python` driver,
    which bundles Microsoft's ODBC driver. Give `?driver=ODBC Driver 18 for SQL Server` to use
    pyodbc with a system ODBC driver instead. mssql-django's own OPTIONS pass through; any
    other parameter (`?TrustServerCertificate=yes`) goes into the connection string.
    For other engines, query parameters become OPTIONS.
    """
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "mssql":
        config["OPTIONS"] = _mssql_options(config.get("OPTIONS", {}))
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    return config


# The embedded SQLite under a threaded dev server with in-process tasks: a transaction takes the
# write lock when it begins (IMMEDIATE) and waits up to 20 s for it. A deferred transaction that
# read first and writes second fails at once with "database is locked" when another wrote
# meanwhile, whatever the timeout; WAL lets reads go on beside the one writer.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

# OPTIONS keys mssql-django reads itself; everything else is a connection-string keyword.
_MSSQL_OPTIONS = {
    "driver",
    "dsn",
    "python_driver",
    "isolation_level",
    "host_is_server",
    "unicode_results",
    "collation",
    "connection_timeout",
    "connection_retries",
    "connection_retry_backoff_time",
    "query_timeout",
    "setencoding",
    "return_rows_bulk_insert",
    "extra_params",
}


def _mssql_options(options: dict) -> dict:
    known = {key: value for key, value in options.items() if key in _MSSQL_OPTIONS}
    extra = [f"{key}={value}" for key, value in options.items() if key not in _MSSQL_OPTIONS]
    if extra:
        known["extra_params"] = ";".join(filter(None, [known.get("extra_params"), *extra]))
    if "driver" not in known:
        known.setdefault("python_driver", "mssql_python")
    return known


def sqlite_url(name: str) -> str:
    """URL of an embedded-default SQLite file under var/ (created on first use)."""
    VAR_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{VAR_DIR / name}"
