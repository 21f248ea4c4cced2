import threading
import time

import pytest

from apps.catalog import cache

pytestmark = pytest.mark.django_db


def test_a_hot_miss_is_computed_once_while_others_wait_for_it():
    computed = []
    results = []
    start = threading.Barrier(12)

    def compute():
        computed.append(1)
        time.sleep(0.3)  # a slow MongoDB query
        return {"value": 42}

    def reader():
        start.wait()
        results.append(cache.get_or_compute("catalog:test:hot", compute, ttl=30))

    threads = [threading.Thread(target=reader) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(computed) == 1
    assert results == [{"value": 42}] * 12


def test_list_pages_go_stale_together_on_any_write():
    before = cache.list_key("page")

    cache.invalidate(["ANY-SKU"])

    assert cache.list_key("page") != before
