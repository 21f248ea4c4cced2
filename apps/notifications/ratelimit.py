"""Per-channel rate limits shared by every worker: a one-second window counter in the cache (Redis).

Celery's own `rate_limit` is per worker process, so four workers on two hosts would send eight
times the limit; a provider's limit is global, so the counter must be too.
"""

import time

import structlog
from django.conf import settings
from django.core.cache import cache

from apps.common.outages import is_store_outage

logger = structlog.get_logger(__name__)


def rate_limit_wait(*, channel: str) -> float:
    """0 if a message may go now (and counts it), else the seconds until the next window opens."""
    limit = settings.NOTIFICATIONS_RATE_LIMITS.get(channel)
    if not limit:
        return 0.0
    now = time.time()
    key = f"notifications:rate:{channel}:{int(now)}"
    try:
        used = _count(key)
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        # The counter is down: wait a window and ask again rather than send past the provider's limit.
        logger.warning("notification_rate_limit_unavailable", channel=channel, error_class=type(exc).__name__)
        return 1.0
    if used <= limit:
        return 0.0
    return 1.0 - (now % 1.0)


def _count(key: str) -> int:
    cache.add(key, 0, timeout=5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh window
        cache.add(key, 1, timeout=5)
        return 1
