"""Multi-process servers refuse the embedded (in-memory) catalog, naming MONGODB_URI."""

import os
import subprocess
import sys

import pytest

from config.env import BASE_DIR

pytestmark = pytest.mark.skipif(bool(os.environ.get("MONGODB_URI")), reason="checks the embedded catalog")


def _env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URI"}
    return {**env, **extra}


def test_gunicorn_with_two_workers_refuses_to_start_without_mongodb_uri():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "docker/gunicorn.conf.py",
         "--workers", "2", "--bind", "127.0.0.1:0"],
        cwd=BASE_DIR, env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set MONGODB_URI" in result.stderr + result.stdout


def test_a_celery_worker_refuses_to_start_without_mongodb_uri():
    result = subprocess.run(
        [sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=_env(DJANGO_SETTINGS_MODULE="config.settings.local"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set MONGODB_URI" in result.stderr + result.stdout
