"""Per-channel rate limits shared by every worker: a one-second window counter in the cache (Redis).

Celery's own `rate_limit` is per worker process, so four workers on two hosts would send eight
times the limit; a provider's limit is global, so the counter must be too.
"""

import time

from django.conf import settings
from django.core.cache import cache


def rate_limit_wait(*, channel: str) -> float:
    """0 if a message may go now (and counts it), else the seconds until the next window opens."""
    limit = settings.NOTIFICATIONS_RATE_LIMITS.get(channel)
    if not limit:
        return 0.0
    now = time.time()
    key = f"notifications:rate:{channel}:{int(now)}"
    cache.add(key, 0, timeout=5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh window
        cache.add(key, 1, timeout=5)
        used = 1
    if used <= limit:
        return 0.0
    return 1.0 - (now % 1.0)
