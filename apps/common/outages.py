"""Store outages: which exceptions mean "a database, the cache or the broker did not answer", and
the 503 problem+json the web gives for them instead of a 500 (or Django's DEBUG page).

A blink of PostgreSQL is not a bug: the client should retry shortly, and workers should retry
without spending a handler attempt (apps/events/delivery.py).
"""

import sys
import time
from collections.abc import Callable
from typing import TypeVar

import django.db
import kombu.exceptions
import redis.exceptions
import structlog
from django.conf import settings
from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import JsonResponse
from django_redis.exceptions import ConnectionInterrupted
from pymongo.errors import ConnectionFailure

logger = structlog.get_logger(__name__)
T = TypeVar("T")

# Connection-level failures only. IntegrityError, DataError and ProgrammingError are bugs or
# conflicts, never an outage. psycopg reports a server shutting down, a refused connection and a
# connection lost mid-query as OperationalError; Django raises InterfaceError for a closed one.
STORE_ERRORS: tuple[type[BaseException], ...] = (
    django.db.OperationalError,
    django.db.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionInterrupted,
    kombu.exceptions.OperationalError,
    ConnectionFailure,
)


def is_store_outage(exc: BaseException | None) -> bool:
    """True when `exc`, or an exception it was raised from, is a store's connection failure."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, STORE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def outage_response(request, exc: BaseException) -> JsonResponse:
    from apps.common.problems import PROBLEM_CONTENT_TYPE, problem_body

    logger.warning("store_unavailable", error_class=type(exc).__name__, error=str(exc)[:300])
    body = problem_body(
        status=503,
        slug="service-unavailable",
        detail="A store this request needs is not answering; nothing was lost. Retry shortly.",
        instance=request.path,
    )
    response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(settings.STORE_OUTAGE_RETRY_AFTER)
    return response


class StoreOutageMiddleware:
    """A request whose store is down answers 503 problem+json with Retry-After, DEBUG or not.

    Views' exceptions come through process_exception. An exception raised in another middleware
    (sessions, auth, logging binding the user) has already become Django's 500 (or its DEBUG page)
    by the time it reaches us, so the got_request_exception receiver below marks the request and
    the answer is replaced here. Must sit above every middleware that may touch a store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, "_store_outage", None)
        if exc is not None and response.status_code >= 500:
            return outage_response(request, exc)
        return response

    def process_exception(self, request, exception):
        if is_store_outage(exception):
            return outage_response(request, exception)
        return None


@receiver(got_request_exception)
def _mark_store_outage(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and is_store_outage(exc):
        request._store_outage = exc


def retry_through_outage(write: Callable[[], T], *, budget: float = 20.0) -> T:
    """Run `write`, retrying it through a store outage for up to `budget` seconds (backoff from
    0.1 s to 2 s). For the write that records an effect already made outside (an email sent):
    losing it would make the effect happen twice. Other errors, and the last outage, propagate."""
    deadline = time.monotonic() + budget
    pause = 0.1
    while True:
        try:
            return write()
        except Exception as exc:
            if not is_store_outage(exc) or time.monotonic() + pause > deadline:
                raise
            logger.warning("store_outage_write_retried", error_class=type(exc).__name__, retry_in=pause)
            django.db.close_old_connections()  # a broken connection is dropped, the next try reconnects
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
