import os

import mongoengine
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from mongoengine.connection import get_db
from opentelemetry import trace
from rest_framework.test import APIClient

from apps.catalog.connection import connect_catalog
from apps.catalog.documents import Category, Collection, Product, Reservation, Variant
from apps.common.health import broker_backend_name, cache_backend_name, mongo_backend_name
from apps.events.backpressure import sampler
from config.telemetry import configure_telemetry
from tests.factories.accounts import StaffFactory, UserFactory, token_client
from tests.preflight import stop_unless_services_answer
from tests.telemetry import SpanRecorder

# The suite runs traced, as production does, plus the per-statement spans (opt-in) the trace
# tests look at; `spans` records what one test produced.
os.environ.setdefault("OTEL_STATEMENT_SPANS", "true")
configure_telemetry(component="test")
RECORDER = SpanRecorder.install()


def pytest_sessionstart(session):
    stop_unless_services_answer()


def pytest_report_header(config):
    """Say which real service or stand-in each store used, so nobody mistakes one for the other."""
    databases = " + ".join(f"{alias}={connections[alias].vendor}" for alias in settings.DATABASES)
    catalog = (
        mongo_backend_name()
        if settings.MONGODB["mock"]
        else "mongodb (tests marked mongodb) + mongomock (the rest)"
    )
    stores = f"{databases} / {catalog} / {cache_backend_name()} / {broker_backend_name()}"
    return [f"stores (databases / catalog / cache / broker): {stores}"]


_catalog_on_server = not settings.MONGODB["mock"]  # where mongoengine's default alias points now


@pytest.fixture(autouse=True)
def _catalog_store(request):
    """With MONGODB_URI set, tests marked `mongodb` run on that server (its `test_` database)
    and every other test on mongomock, as without it: the embedded store's own tests, and the
    modules whose tests assume an in-process catalog. The switch reconnects only on a change."""
    global _catalog_on_server
    wanted = not settings.MONGODB["mock"] and (
        "mongodb" in request.keywords or "mongodb_only" in request.keywords
    )
    if wanted != _catalog_on_server:
        mongoengine.disconnect()
        connect_catalog(mock=not wanted)
        _catalog_on_server = wanted


@pytest.fixture(autouse=True)
def _clean_cache_and_catalog(_catalog_store):
    """Each test starts with an empty cache and catalog (PostgreSQL is rolled back by pytest-django)."""
    _clear_cache()
    yield
    _clear_cache()
    db = get_db()
    for name in db.list_collection_names():
        db.drop_collection(name)


@pytest.fixture(autouse=True)
def _fresh_backpressure_sample():
    """The sample is cached per process for a few seconds: one test's backlog must not shed another's writes."""
    sampler.forget()
    yield
    sampler.forget()


@pytest.fixture(autouse=True)
def _no_span_left_open():
    """A span left current would make the next request's span its child, ignoring traceparent."""
    yield
    assert not trace.get_current_span().get_span_context().is_valid, "a span was left current"


@pytest.fixture
def spans() -> SpanRecorder:
    with RECORDER.recording():
        yield RECORDER


@pytest.fixture(autouse=True)
def _catalog_indexes(_catalog_store):
    """Indexes as `catalog_ensure_indexes` makes them at deploy (the unique SKU and order_ref)."""
    for document in (Category, Collection, Product, Variant, Reservation):
        document.ensure_indexes()


def _clear_cache():
    # delete_pattern keeps to our key prefix; FLUSHDB would wipe a shared Redis database.
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def unreachable_cache(settings):
    """A real Redis client pointed at a closed port: the outage is real, not mocked."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }


@pytest.fixture
def customer():
    return UserFactory()


@pytest.fixture
def customer_client(customer) -> APIClient:
    return token_client(customer)


@pytest.fixture
def staff_client():
    """`staff_client("fulfilment")`: an API client for a staff member in that role group."""
    return lambda role: token_client(StaffFactory(role=role))


def pytest_collection_modifyitems(config, items):
    """`mongodb_only` tests need a real server: skipped, and said so, on the embedded store."""
    if not settings.MONGODB["mock"]:
        return
    skip = pytest.mark.skip(reason="needs a real MongoDB: set MONGODB_URI")
    for item in items:
        if "mongodb_only" in item.keywords:
            item.add_marker(skip)
