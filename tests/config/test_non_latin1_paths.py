"""A path outside Latin-1 is a 404 under runserver and gunicorn, not a 500 (the OpenTelemetry
WSGI helper quoted Django's decoded PATH_INFO as Latin-1). Real servers, real sockets."""

import os
import socket
import subprocess
import sys

import pytest
import requests

from config.env import BASE_DIR
from tests.events.conftest import _test_database_url, wait_for

pytestmark = pytest.mark.django_db(databases="__all__")
PATHS = ["/%E2%82%AC", "/api/v1/products/%E2%82%AC", "/%F0%9F%9B%92/cart"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["runserver", "gunicorn"])
def server(request, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url("DATABASE_URL", "default"),
        "REPORTING_DATABASE_URL": _test_database_url("REPORTING_DATABASE_URL", "reporting"),
        "PORT": str(port),
        "CATALOG_EMBEDDED_PER_PROCESS": "true",
    }
    if request.param == "runserver":
        command = [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ]
    else:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "docker/gunicorn.conf.py",
                   "--bind", f"127.0.0.1:{port}", "--workers", "1"]  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        try:
            return requests.get(f"{url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(answering, timeout=60, what=f"{request.param} to answer")
        yield url
    finally:
        process.terminate()
        process.wait(20)


@pytest.mark.parametrize("path", PATHS)
def test_a_path_outside_latin1_is_a_404(server, path):
    response = requests.get(f"{server}{path}", timeout=10)

    assert response.status_code == 404, response.text[:300]
    if path.startswith("/api/"):
        assert response.headers["Content-Type"] == "application/problem+json"


@pytest.fixture
def gunicorn(request, tmp_path):
    request.param = "gunicorn"
    yield from server.__wrapped__(request, tmp_path)


def test_gunicorn_leaves_long_headers_and_urls_to_django_which_answers_problem_json(gunicorn):
    long_header = requests.get(f"{gunicorn}/healthz", headers={"X-Big": "a" * 20_000}, timeout=10)
    long_url = requests.get(f"{gunicorn}/api/v1/products?q={'a' * 6000}", timeout=10)
    too_long_for_gunicorn = requests.get(f"{gunicorn}/api/v1/products?q={'a' * 9000}", timeout=10)

    assert (long_header.status_code, long_header.headers["Content-Type"]) == (431, "application/problem+json")
    assert long_header.json()["type"].endswith("/header-too-large")
    assert (long_url.status_code, long_url.headers["Content-Type"]) == (414, "application/problem+json")
    # Past gunicorn's largest request line it refuses before Django runs (documented limit).
    assert too_long_for_gunicorn.status_code in (400, 414)
