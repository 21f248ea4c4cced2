"""The web's /metrics under gunicorn with two worker processes: one scrape counts both."""

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from config.env import BASE_DIR
from tests.events.conftest import _test_database_url, real_worker, wait_for
from tests.observability.scrape import samples, value

pytestmark = [
    real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]
TOKEN = "gunicorn-metrics-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn as docker/compose.yaml runs it: docker/gunicorn.conf.py, 2 workers, multiprocess metrics."""
    port, metrics_dir = _free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url("DATABASE_URL", "default"),
        "REPORTING_DATABASE_URL": _test_database_url("REPORTING_DATABASE_URL", "reporting"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "CATALOG_EMBEDDED_PER_PROCESS": "true",  # this test reads metrics, not the catalog
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": TOKEN,
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "docker/gunicorn.conf.py"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        try:
            return requests.get(f"{url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading Django
            return False

    wait_for(answering, timeout=60, what="gunicorn to answer")
    yield url, server
    server.terminate()
    server.wait(timeout=30)
    log.close()


def _worker_pids(server: subprocess.Popen) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in children}


def test_one_scrape_sums_every_gunicorn_worker(gunicorn):
    url, server = gunicorn
    assert len(_worker_pids(server)) == 2
    before = samples(
        requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).text
    )

    # Eight at a time, a new connection each: more than one worker's four threads can hold.
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: requests.get(f"{url}/api/v1/products", timeout=10).status_code, range(40))
        )
    assert statuses == [200] * 40

    scrape = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    after = samples(scrape.text)
    labels = {"route": "api/v1/products", "method": "GET"}
    assert (
        value(after, "http_requests_total", **labels, status_class="2xx")
        - value(before, "http_requests_total", **labels, status_class="2xx")
        == 40
    )
    assert value(after, "http_request_duration_seconds_count", **labels) == 40
    assert value(after, "http_requests_in_flight", **labels) == 0
    assert value(after, "backpressure_shedding") == 0  # the live gauges ride along
    assert requests.get(f"{url}/metrics", timeout=5).status_code == 401
