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


def rate_limit_take(*, channel: str, count: int = 1) -> tuple[int, float]:
    """How many of `count` messages may go now (they are counted), and the seconds until the
    next window opens for the rest."""
    limit = settings.NOTIFICATIONS_RATE_LIMITS.get(channel)
    if not limit:
        return count, 0.0
    now = time.time()
    key = f"notifications:rate:{channel}:{int(now)}"
    try:
        used = _count(key, count)
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        # The counter is down: wait a window and ask again rather than send past the provider's limit.
        logger.warning("notification_rate_limit_unavailable", channel=channel, error_class=type(exc).__name__)
        return 0, 1.0
    granted = max(0, min(count, limit - (used - count)))
    return granted, 1.0 - (now % 1.0)


def _count(key: str, count: int) -> int:
    """The window's count after adding `count` (one round trip when the window exists)."""
    try:
        return cache.incr(key, count)
    except ValueError:  # a new window (or it expired just now)
        if cache.add(key, count, timeout=5):
            return count
        return cache.incr(key, count)
