"""Readiness checks for the stores and the broker, each bounded by a short timeout.

Each check returns the backend it reached (so nobody mistakes a stand-in for the real thing)
and raises on failure.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from mongoengine.connection import get_db

CHECK_TIMEOUT_SECONDS = 2
logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    backend: str
    duration_ms: float
    error: str = ""


def check_databases() -> str:
    vendors = []
    for alias in settings.DATABASES:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        vendors.append(f"{alias}={connections[alias].vendor}")
    return ", ".join(vendors)


def check_cache() -> str:
    key = "readyz:probe"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    return cache_backend_name()


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process (no broker)"
    from celery import current_app  # the project's app (config/__init__.py); the kernel imports no config

    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)
    return broker_backend_name()


def check_mongo() -> str:
    get_db().command("ping")
    return mongo_backend_name()


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_databases,
    "cache": check_cache,
    "broker": check_broker,
    "mongo": check_mongo,
}


# Conditions that leave the process ready but degraded, registered by the modules that know them:
# each returns the reasons it is degraded now (empty when it is not).
DEGRADATIONS: dict[str, Callable[[], list[str]]] = {}


def register_degradation(name: str, reasons: Callable[[], list[str]]) -> None:
    DEGRADATIONS[name] = reasons


def degradations() -> dict[str, list[str]]:
    return {name: found for name, reasons in DEGRADATIONS.items() if (found := reasons())}


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        if name == "mongo" and not django_apps.is_installed("apps.catalog"):
            continue  # a deployment without the catalog (notifications) has no MongoDB
        started = time.perf_counter()
        try:
            backend, ok, error = check(), True, ""
        except Exception as exc:  # a failed dependency is an answer here, not a crash
            # The message may name hosts or users: it goes to the log, the class to the caller.
            logger.warning("readiness_check_failed", check=name, error=str(exc))
            backend, ok, error = "", False, type(exc).__name__
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        results.append(CheckResult(name, ok, backend, elapsed, error))
    return results


def cache_backend_name() -> str:
    return "redis" if "redis" in settings.CACHES["default"]["BACKEND"].lower() else "locmem"


def mongo_backend_name() -> str:
    return "mongomock" if settings.MONGODB["mock"] else "mongodb"


def broker_backend_name() -> str:
    url = settings.CELERY_BROKER_URL
    return url.split("://", 1)[0] if url else "eager"
