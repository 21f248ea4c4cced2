"""Settings shared by every environment.

Nothing set in the environment = the embedded default (SQLite, mongomock, local-memory cache,
in-process tasks). Each real service is switched on by its own variable (see config/env.py).
"""

import logging
from datetime import timedelta

import structlog
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.env import BASE_DIR, database_from_url, env, sqlite_url
from config.logs import add_trace_context, redact_secrets
from config.telemetry import logs_exported

SECRET_KEY = env("DJANGO_SECRET_KEY", default="embedded-default-insecure-key-do-not-deploy")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.backoffice.apps.BackOfficeAdminConfig",  # django.contrib.admin with the back office's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Plain DRF tokens: read once by the accounts.0003 migration and by the authentication's
    # fallback for stragglers, which turn them into hashed knox tokens (removed in a later release).
    "rest_framework.authtoken",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "corsheaders",
    "django_countries",
    "phonenumber_field",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not a CDN
    # Shared kernel and event backbone: depended on, never depending on a business module.
    "apps.common",
    "apps.events",
    # Business modules: each reachable by the others only through public.py / contracts.py.
    "apps.accounts",
    "apps.catalog",
    "apps.checkout",
    "apps.orders",
    "apps.payments",
    "apps.notifications",
    "apps.reporting",
    # Demo shop data for the embedded default; depends on the modules' public surfaces.
    "apps.demo",
    # The back office's home page, site and 403: above the modules, reading their public surfaces.
    "apps.backoffice.apps.BackOfficeConfig",
]

MIDDLEWARE = [
    "apps.common.metrics.RequestMetricsMiddleware",  # first: its time covers all the others
    "apps.common.outages.StoreOutageMiddleware",  # a store that does not answer: 503, never a 500
    "apps.common.limits.RequestLimitsMiddleware",  # 414/431 as problem+json, below gunicorn's limits
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, so preflights get their headers
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a TOTP code
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
]

ROOT_URLCONF = "config.urls"
# Which shape this process set is (config/deployments.py): monolith, shop or notifications.
DEPLOYMENT = "monolith"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Stores -------------------------------------------------------------------------------

DATABASES = {
    "default": database_from_url(env("DATABASE_URL", default=None) or sqlite_url("commerce.sqlite3")),
    # SQL Server in production; only apps.reporting lives here (config/db_routers.py).
    "reporting": database_from_url(
        env("REPORTING_DATABASE_URL", default=None) or sqlite_url("reporting.sqlite3")
    ),
}
# A database of its own for apps.notifications (and the backbone's tables of its handlers) while
# it still runs inside the monolith, the step before it runs as its own deployment (issue 14 §4).
if env("NOTIFICATIONS_DATABASE_URL", default=None):
    DATABASES["notifications"] = database_from_url(env("NOTIFICATIONS_DATABASE_URL"))
DATABASE_ROUTERS = ["config.db_routers.NotificationsRouter", "config.db_routers.ReportingRouter"]

# The catalog's MongoDB. Unset = mongomock in-process (needs requirements/local.txt).
MONGODB_URI = env("MONGODB_URI", default=None)
MONGODB = {
    "host": MONGODB_URI or "mongodb://localhost/commerce",
    "mock": MONGODB_URI is None,
}

# gunicorn with several workers and a Celery worker refuse to start on the in-memory catalog (each
# process would have a catalog of its own) unless this says that is understood: the test suite's
# workers never touch the catalog, and the benchmarks measure one catalog per worker on purpose.
CATALOG_EMBEDDED_PER_PROCESS = env.bool("CATALOG_EMBEDDED_PER_PROCESS", default=False)

# Load the demo products into an empty embedded catalog at process start (local settings only).
DEMO_CATALOG_ON_START = False
# Where the embedded (mongomock) catalog keeps its snapshot; None = memory only (tests, bench).
CATALOG_EMBEDDED_DIR = None
# Product images: Django's default storage (a django-storages backend in STORAGES["default"]
# puts them in object storage); the local default is var/media, served under MEDIA_URL.
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "/media/"
CATALOG_IMAGE_MAX_BYTES = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default=None)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "commerce",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=None)
# Without a broker, tasks run in the caller's process: the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
# Celery closes every database connection before and after each task unless told to reuse
# them; a new PostgreSQL connection per task costs more than the task (16 ms vs 3 ms measured).
# config/celery.py closes broken or expired ones instead, as Django does between requests.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task's limits (seconds): the soft one raises inside the task, the hard one kills its process.
# The relay's time budget stays well under them (EVENTS_RELAY_TIME_BUDGET; check events.E011).
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through Django's LOGGING (JSON lines with trace ids), not handlers of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = "commerce"
# The relay gets a queue of its own: behind a backlog of handler tasks, a nudge would wait as
# long as the backlog takes, and every event committed meanwhile with it.
CELERY_TASK_QUEUES = (
    Queue("commerce"),
    Queue("commerce.relay"),
    Queue("commerce.notifications"),
    Queue("commerce.webhooks"),
)
CELERY_TASK_ROUTES = {
    "events.relay": {"queue": "commerce.relay"},
    # Email/SMS and webhooks apart from event handlers and each other: a receiver hanging until
    # its timeout holds only webhook workers.
    "notifications.send_message": {"queue": "commerce.notifications"},
    "notifications.send_webhook": {"queue": "commerce.webhooks"},
    "notifications.send_webhooks": {"queue": "commerce.webhooks"},
}
# How events reach a deployment (apps/events/routing.py): the relay publishes each new event to
# this topic exchange, routing key = its type; each deployment's events queue is bound, when its
# worker connects, to the types its handlers subscribe to. Retries and replays of its handlers go
# straight to its own queue. Deployments sharing a broker share the exchange, never a queue.
EVENTS_EXCHANGE = "commerce.events"
EVENTS_QUEUE = CELERY_TASK_DEFAULT_QUEUE
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # py-amqp waits for RabbitMQ to confirm each publish: a relayed event is on the broker, not in flight.
    "confirm_publish": True,
    # Publishing gives up after ~0.2 s when the broker is unreachable (kombu's default is ~6 s):
    # a web request's after-commit nudge must not hang on an outage the outbox already covers.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    # The safety net under the after-commit nudge: a lost nudge delays an event, never loses it.
    "events-relay-sweep": {"task": "events.relay", "schedule": 5.0},
    "events-purge": {"task": "events.purge", "schedule": 3600.0},
    "events-redrive": {"task": "events.redrive", "schedule": 60.0},
    "catalog-expire-reservations": {"task": "catalog.expire_reservations", "schedule": 60.0},
    "catalog-relay-pending-events": {"task": "catalog.relay_pending_events", "schedule": 30.0},
    "common-purge-idempotency-keys": {"task": "common.purge_idempotency_keys", "schedule": 3600.0},
    "payments-void-abandoned": {"task": "payments.void_abandoned", "schedule": 3600.0},
    "payments-reconcile": {"task": "payments.reconcile", "schedule": 600.0},
    "checkout-purge-expired": {"task": "checkout.purge_expired", "schedule": 3600.0},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 10.0},
    "accounts-purge-expired-tokens": {"task": "accounts.purge_expired_tokens", "schedule": 3600.0},
}

# --- Backpressure ----------------------------------------------------------------------------

# Place-order and cancel answer 503 + Retry-After while the outbox or a queue on the order path is
# past these limits (apps/events/backpressure.py). Sampled at most every BACKPRESSURE_SAMPLE_SECONDS
# per process. Notification queues are measured but not shed on: their own rate limits pace them.
BACKPRESSURE_OUTBOX_PENDING_MAX = env.int("BACKPRESSURE_OUTBOX_PENDING_MAX", default=5000)
BACKPRESSURE_OUTBOX_AGE_MAX = env.float("BACKPRESSURE_OUTBOX_AGE_MAX", default=60.0)
BACKPRESSURE_QUEUE_DEPTH_MAX = env.int("BACKPRESSURE_QUEUE_DEPTH_MAX", default=10000)
BACKPRESSURE_SHED_ON_QUEUES = ("commerce", "commerce.relay")
BACKPRESSURE_SAMPLE_SECONDS = 3.0
BACKPRESSURE_RETRY_AFTER = 5

# --- Catalog -------------------------------------------------------------------------------

# catalog.StockLow.v1 is published when a change leaves this many units or fewer available.
CATALOG_STOCK_LOW_THRESHOLD = 5

# --- Payments and orders ------------------------------------------------------------------

# Providers by name with their constructor options; a payment chooses one of these.
PAYMENTS_PROVIDERS = {
    "sandbox": {"webhook_secret": env("SANDBOX_WEBHOOK_SECRET", default="sandbox-webhook-secret")},
}
if env("STRIPE_API_KEY", default=None):
    PAYMENTS_PROVIDERS["stripe"] = {
        "api_key": env("STRIPE_API_KEY"),
        "webhook_secret": env("STRIPE_WEBHOOK_SECRET"),
        "api_base": env("STRIPE_API_BASE", default="https://api.stripe.com"),
    }

# A payment still waiting for its authorization answer this long after the request's
# Idempotency-Key expired is voided (payments.void_abandoned): no retry can come for it.
PAYMENTS_ABANDONED_AFTER = timedelta(hours=1)

# How long each provider holds an uncaptured authorization before dropping it (Stripe: 7 days for
# online card payments); a provider not listed gets PAYMENTS_AUTHORIZATION_VALIDITY_DEFAULT.
PAYMENTS_AUTHORIZATION_VALIDITY = {
    "stripe": timedelta(days=7),
    "sandbox": timedelta(days=7),
}
PAYMENTS_AUTHORIZATION_VALIDITY_DEFAULT = timedelta(days=7)
# Reconciliation (payments.reconcile, every 10 minutes): an authorization this close to expiring is
# captured (order ready) or voided; an authorized payment untouched for RECONCILE_AFTER is asked
# about at the provider, at most every RECONCILE_EVERY; at most RECONCILE_BATCH payments per run.
PAYMENTS_EXPIRY_MARGIN = timedelta(hours=24)
PAYMENTS_RECONCILE_AFTER = timedelta(minutes=15)
PAYMENTS_RECONCILE_EVERY = timedelta(hours=6)
PAYMENTS_RECONCILE_BATCH = 200

# "immediate": a handler captures right after OrderCreated; "on_shipment": shipping captures.
ORDERS_CAPTURE_POLICY = env("ORDERS_CAPTURE_POLICY", default="immediate")
if ORDERS_CAPTURE_POLICY not in ("immediate", "on_shipment"):
    raise ImproperlyConfigured("ORDERS_CAPTURE_POLICY must be 'immediate' or 'on_shipment'")
# Stock is held this long while an order is being placed; a crash mid-placement frees it after.
ORDERS_RESERVATION_TTL = timedelta(minutes=15)
ORDERS_MAX_QUANTITY_PER_LINE = 1000
ORDERS_MAX_LINES = 100

# --- Checkout (apps.checkout) -----------------------------------------------------------

# The shop's currency: checkouts, shipping prices and fixed vouchers are in it.
CHECKOUT_CURRENCY = "EUR"
# Whether catalog prices (and shipping prices) are entered with tax included (gross) or without (net).
CHECKOUT_PRICES_INCLUDE_TAX = env.bool("CHECKOUT_PRICES_INCLUDE_TAX", default=True)
# A checkout nobody changed for this long is abandoned: unreachable, then purged (hourly task).
CHECKOUT_EXPIRE_AFTER = timedelta(days=env.int("CHECKOUT_EXPIRE_DAYS", default=7))
# Limits of one checkout; they fit inside what an order accepts.
CHECKOUT_MAX_LINES = ORDERS_MAX_LINES
CHECKOUT_MAX_QUANTITY_PER_LINE = ORDERS_MAX_QUANTITY_PER_LINE
# A completion claimed this long ago by a process that never finished may be taken over.
CHECKOUT_CLAIM_TIMEOUT = timedelta(seconds=60)

# --- Reporting (apps.reporting) ------------------------------------------------------

# Rows per backfill batch (one keyset page read, one bulk insert). SQL Server allows 2,100
# parameters per statement; mssql-django splits bulk inserts to stay under it.
REPORTING_BACKFILL_BATCH_SIZE = 1000
# reporting_reconcile compares this many days, up to today, unless told --since.
REPORTING_RECONCILE_DAYS = 35

# --- Notifications (apps.notifications) ------------------------------------------------

# Email goes through Django's backend: SMTP from EMAIL_URL (smtp+tls://user:pass@host:587), else
# Django's SMTP default on localhost:25; local settings print to the console, tests keep it in memory.
if env("EMAIL_URL", default=None):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="shop@example.com")
NOTIFICATIONS_SITE_NAME = "Commerce"
# SMS provider: the console one logs; SMS_GATEWAY_URL + SMS_GATEWAY_TOKEN switch to the HTTP gateway.
NOTIFICATIONS_SMS_PROVIDER = (
    {
        "class": "apps.notifications.sms.HttpGatewaySmsProvider",
        "url": env("SMS_GATEWAY_URL"),
        "token": env("SMS_GATEWAY_TOKEN"),
    }
    if env("SMS_GATEWAY_URL", default=None)
    else {"class": "apps.notifications.sms.ConsoleSmsProvider"}
)
# Seconds before each retry (±20 % jitter; a longer Retry-After wins); then the delivery is dead.
# Webhooks follow Svix: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
NOTIFICATIONS_RETRY_SCHEDULES = {
    "webhook": (5, 300, 1800, 7200, 18000, 36000, 36000),
    "email": (30, 300, 1800, 7200),
    "sms": (30, 300, 1800),
}
NOTIFICATIONS_RETRY_AFTER_MAX = 86400  # a receiver's Retry-After is honoured up to a day
NOTIFICATIONS_RETRY_NUDGE_MAX_SECONDS = 60  # shorter retries are timed tasks; longer ones the sweep's
NOTIFICATIONS_SWEEP_GRACE = 10  # seconds a due delivery may wait for its own task before the sweep sends it
NOTIFICATIONS_SWEEP_BATCH = 500
# Messages per second per channel, across all workers (0: unlimited).
NOTIFICATIONS_RATE_LIMITS = {
    "email": 20,
    "sms": 5,
    "webhook": 100,
    **{
        channel.strip(): int(limit)
        for channel, _, limit in (
            item.partition("=") for item in env("NOTIFICATIONS_RATE_LIMITS", default="").split(",") if item
        )
    },
}
NOTIFICATIONS_WEBHOOK_TIMEOUT = 10  # seconds, connect and read each
# Webhook deliveries per task (one endpoint's, over one pooled connection), and the seconds a task
# keeps starting sends before handing the rest to a new task (so it ends well within its time limit).
NOTIFICATIONS_WEBHOOK_BATCH = 50
NOTIFICATIONS_BATCH_BUDGET = 5
# An endpoint whose every delivery failed for this long is disabled until staff re-enable it.
NOTIFICATIONS_WEBHOOK_DISABLE_AFTER = timedelta(days=5)
# After a rotation the previous secret keeps signing this long, so receivers can switch.
NOTIFICATIONS_WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)
# SSRF guard: webhook URLs must be https to public addresses unless this is true (None: as DEBUG).
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS", default=None)
# What events do not carry (contact details, account links) notifications asks of the owner: over
# its internal API when the owner's API root is set here (notifications deployed on its own, e.g.
# http://shop:8000/api/v1), in-process (wired by the back office) when unset.
NOTIFICATIONS_ACCOUNTS_URL = env("NOTIFICATIONS_ACCOUNTS_URL", default="")
NOTIFICATIONS_ORDERS_URL = env("NOTIFICATIONS_ORDERS_URL", default="")
NOTIFICATIONS_API_TOKEN = env("NOTIFICATIONS_API_TOKEN", default="")  # one of the owner's INTERNAL_API_TOKENS
NOTIFICATIONS_API_TIMEOUT = env.float("NOTIFICATIONS_API_TIMEOUT", default=5.0)

# Internal API (/api/v1/internal/...): the services that may call it, `name=token,name=token`.
# None configured: every internal call is refused.
INTERNAL_API_TOKENS = {
    name.strip(): token.strip()
    for name, _, token in (
        item.partition("=") for item in env("INTERNAL_API_TOKENS", default="").split(",") if item
    )
}

# --- Event backbone (apps.events) -----------------------------------------------------

# Seconds before each retry of a failed handler (jittered ±20 %); then the dead letter.
EVENTS_RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 7200, 21600)
# Retries due within this many seconds get a timed relay nudge; later ones wait for the sweep.
EVENTS_RETRY_NUDGE_MAX_SECONDS = 60
# A store outage (database, cache, broker) during dispatch is retried on the broker without
# spending a handler attempt: backoff doubling from 0.5 s up to this cap, this many times
# (about an hour), after which it counts as an ordinary failure.
EVENTS_OUTAGE_BACKOFF_MAX = 30.0
EVENTS_OUTAGE_RETRIES = 120
# The stalled-delivery sweep (events.redrive, every minute): an (event, handler) with no inbox row,
# no dead letter and no newer outbox row this long after its last publish is sent again. Longer
# than a queue backlog lasts; events published before the window are left to staff.
EVENTS_REDRIVE_AFTER = timedelta(minutes=10)
EVENTS_REDRIVE_WINDOW = timedelta(days=2)
EVENTS_REDRIVE_BATCH = 1000
EVENTS_RELAY_BATCH_SIZE = 200
# (event, handler) deliveries per dispatch message: a relay batch costs a few confirmed publishes,
# not one per delivery, and a burst still spreads over the worker's processes.
EVENTS_DISPATCH_CHUNK = 50
# A relay pass starts no new batch after this long. tasks.relay makes two passes a run, so a run's
# planned work (2 x 5 s) is a third of the soft time limit (30 s): the system check events.E011
# keeps it at most half, the rest for the batch in flight at each deadline.
EVENTS_RELAY_TIME_BUDGET = timedelta(seconds=5)
EVENTS_OUTBOX_RETENTION = timedelta(days=7)
# Longer than any redelivery can arrive: an inbox row is what makes a late duplicate harmless.
EVENTS_INBOX_RETENTION = timedelta(days=30)
EVENTS_SCHEMA_DIR = BASE_DIR / "contracts" / "events"
# Producer-side contract check: every event sent is validated strictly against its schema before
# its outbox row is written, so a producer's bug fails its own request instead of dead-lettering
# at every consumer. ~0.1% of POST /orders (bench/validation.py, jsonschema-rs validators).
EVENTS_VALIDATE_ON_SEND = env.bool("EVENTS_VALIDATE_ON_SEND", default=True)
# Where to keep the latest envelope of each type, for cross-runtime contract checks (tests).
EVENTS_SAMPLE_DIR = None

# --- API ----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring knox tokens as `Bearer <token>` or (existing clients) `Token <token>`.
        "apps.accounts.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Secure by default: an endpoint opens itself up explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.common.parsers.DepthLimitedJSONParser"],
    # JSON is the only format: `?format=` would be a second way to ask, answered 404 for any value.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.common.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.common.openapi.AutoSchema",
    # Each throttled endpoint counts per client IP (`<scope>`) and per account (`<scope>-account`:
    # the email it names, or the signed-in account). Client IP: see NUM_PROXIES below.
    "DEFAULT_THROTTLE_RATES": {
        "auth": "10/minute",
        "auth-account": "20/hour",
        "signup": "10/hour",
        "signup-account": "3/hour",
        "password-reset": "10/hour",
        "password-reset-account": "3/hour",
        "verification": "10/hour",
        "verification-account": "5/hour",
        "account": "30/hour",
        "account-account": "30/hour",
    },
    # How many proxies in front of us append to X-Forwarded-For. 0: the header is ignored and the
    # client is REMOTE_ADDR, so a client cannot pick its own address to escape a throttle.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# API tokens (django-rest-knox): only a SHA-512 digest is stored. Sliding expiry: use extends a
# token by TOKEN_TTL (written at most once a day), never past AUTO_REFRESH_MAX_TTL after sign-in.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=14),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(days=90),
    "MIN_REFRESH_INTERVAL": 86400,
    "AUTH_HEADER_PREFIX": "Bearer",
}
# Signing in again past this many live tokens (devices) drops the oldest.
ACCOUNTS_TOKENS_PER_ACCOUNT = 20
# Plain DRF tokens that existed before hashed tokens were introduced keep working this long.
ACCOUNTS_LEGACY_TOKEN_TTL = timedelta(days=90)
# Expired tokens are kept (so a client hears "expired", not "invalid") this long, then purged.
ACCOUNTS_EXPIRED_TOKEN_RETENTION = timedelta(days=30)

# Verification and reset emails link to the storefront, which posts the token back to the API:
# <STOREFRONT_URL>/verify-email?token=… and <STOREFRONT_URL>/reset-password?uid=…&token=….
ACCOUNTS_STOREFRONT_URL = env("STOREFRONT_URL", default="http://localhost:3000").rstrip("/")
ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # seconds a reset link works (Django's token generator)

# Phone numbers are stored and shown in E.164 (+447700900123); input must be international.
PHONENUMBER_DEFAULT_FORMAT = "E164"
# Addresses per customer (address book).
ACCOUNTS_MAX_ADDRESSES = 50

# Staff two-factor sign-in (django-otp TOTP). Anyone on staff may add an authenticator at
# /admin/two-factor/; once they have one, the admin login asks for its code. Members of these
# roles must have one before the admin (or a staff API token) lets them in.
ACCOUNTS_2FA_REQUIRED_ROLES = env.list("STAFF_2FA_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = "Commerce back office"

# --- CORS (django-cors-headers): browser storefronts on other origins ----------------------

# Origins allowed to call /api/ from a browser, e.g. https://shop.example.com. "*" allows any
# origin, and then credentials (cookies) are never allowed; tokens go in the Authorization header.
CORS_ALLOWED_ORIGINS = [o for o in env.list("CORS_ALLOWED_ORIGINS", default=[]) if o != "*"]
CORS_ALLOW_ALL_ORIGINS = "*" in env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = env.bool("CORS_ALLOW_CREDENTIALS", default=False)
if CORS_ALLOW_ALL_ORIGINS and CORS_ALLOW_CREDENTIALS:
    raise ImproperlyConfigured("CORS_ALLOW_CREDENTIALS cannot be true when CORS_ALLOWED_ORIGINS is '*'")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key", "traceparent", "tracestate")
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed", "Location"]
CORS_PREFLIGHT_MAX_AGE = 3600

SPECTACULAR_SETTINGS = {
    "TITLE": "Commerce API",
    "DESCRIPTION": (
        "Storefront and back-office API. Money is integer minor units plus an ISO 4217 "
        "currency. Errors are RFC 9457 application/problem+json."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"CheckoutStatusEnum": "apps.checkout.models.CheckoutStatus"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.openapi.document_request_limits",
    ],
}

# Idempotency-Key (apps/common/idempotency.py): how long an answer is replayed, and how long an
# unfinished claim holds off retries before they assume its process died and take it over.
IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_IN_FLIGHT_TIMEOUT = timedelta(seconds=60)

# Retry-After (seconds) of the 503 a request gets while a database, the cache or the broker is down.
STORE_OUTAGE_RETRY_AFTER = 2

# Longer request targets (path + query) are 414 and longer header values 431, both problem+json
# (apps/common/limits.py); gunicorn's own limits are set above these in docker/gunicorn.conf.py.
REQUEST_TARGET_MAX = 4094
REQUEST_HEADER_MAX = 8190

# Request bodies nesting lists/objects deeper than this are refused (400): apps/common/parsers.py.
API_MAX_JSON_DEPTH = 32

# Base of the `type` URI in problem+json bodies; each problem type has a slug after it.
PROBLEM_TYPE_BASE = "https://problems.commerce.example/"

# --- Web ----------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Metrics --------------------------------------------------------------------------------

METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# /metrics asks for this bearer token when set; production without one does not serve it.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_OPEN_WITHOUT_TOKEN = True

# --- Logs ---------------------------------------------------------------------------------

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'console', not {LOG_FORMAT!r}")

# Every line, ours or from a plain stdlib logger (Celery, gunicorn, Django), gets these fields.
_COMMON_FIELDS = [
    structlog.contextvars.merge_contextvars,
    add_trace_context,
    redact_secrets,
    structlog.processors.TimeStamper(fmt="iso"),
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
]

structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_COMMON_FIELDS,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)

# Request ids in worker lines too: django_structlog carries them through task headers.
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# One access line per request (request_finished, with route, status and duration), not two; and
# enqueue/start lines only at DEBUG: the relay publishes one message per handler per event.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = logging.DEBUG
# No client IPs in logs: personal data, wrong behind a proxy anyway, and ipware's header parsing
# cost 0.2 ms per request (a fifth of a minimal view).
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

_FOREIGN_PRE_CHAIN = [*_COMMON_FIELDS, structlog.stdlib.ExtraAdder()]  # stdlib loggers' lines

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(),
            "foreign_pre_chain": _FOREIGN_PRE_CHAIN,
        },
        "console": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.dev.ConsoleRenderer(),
            "foreign_pre_chain": _FOREIGN_PRE_CHAIN,
        },
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # One request line per call comes from django_structlog; Django's own are duplicates
        # (django.request still logs 5xx, with the traceback of an unhandled exception).
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # The Stripe SDK logs request bodies at DEBUG: payment method ids, or whatever a buggy
        # client put there (a card number). Its INFO lines add nothing our spans lack.
        "stripe": {"level": "WARNING"},
        # Celery's "Task … succeeded in …: <return value>" repeats our event_handled line with
        # the task's arguments (whole envelopes); failures are still logged at ERROR.
        "celery.app.trace": {"level": "WARNING"},
    },
}
if logs_exported():
    # The same JSON line, also sent to the collector (and from there to Loki in compose).
    LOGGING["handlers"]["otlp"] = {"()": "config.logs.OTLPLogHandler", "formatter": "json"}
    LOGGING["root"]["handlers"].append("otlp")
