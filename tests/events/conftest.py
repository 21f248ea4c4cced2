"""A real Celery worker process against the real broker and the test PostgreSQL database."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections

from config.celery import app as celery_app
from config.env import BASE_DIR

real_worker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL
    or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs a real broker and PostgreSQL shared with a worker process (see .ci/run)",
)


def wait_for(predicate: Callable[[], bool], *, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _test_database_url(variable: str, alias: str) -> str:
    """The configured URL, pointed at the test database pytest-django created for `alias`."""
    parts = urlsplit(os.environ[variable])
    return urlunsplit(parts._replace(path=f"/{connections[alias].settings_dict['NAME']}"))


class Worker:
    """`celery worker -B` in its own process (solo pool by default: one task at a time), beat inside."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log = directory / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(
        self,
        *,
        pool: str = "solo",
        env: dict[str, str] | None = None,
        settings_module: str = "config.settings.test",
        queues: list[str] | None = None,
    ) -> "Worker":
        """`pool="prefork"` runs tasks in child processes, as production does; `env` adds variables;
        `settings_module` and `queues` start another deployment's worker (default: this suite's)."""
        queues = queues or [queue.name for queue in settings.CELERY_TASK_QUEUES]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": _test_database_url("DATABASE_URL", "default"),
            "REPORTING_DATABASE_URL": _test_database_url("REPORTING_DATABASE_URL", "reporting"),
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", pool, "--concurrency", "2",
            "--queues", ",".join(queues), "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel", "INFO", "--beat", "--schedule", str(self.directory / "beat"),
            # A name of its own: two suites' workers on one broker must not share a control queue.
            "--hostname", f"{queues[0]}-{os.getpid()}@%h",
        ]  # fmt: skip
        self.offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as log:
            # Own process group: beat runs in a child process that a kill must take down too.
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self._ready, timeout=60, what=f"the worker to start (log: {self.log})")
        return self

    def _ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        return " ready." in self.log.read_text()[self.offset :]

    def kill(self) -> None:
        """SIGKILL to the worker and its beat child: no clean-up, no acknowledgement, like a lost machine."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:  # the beat child outlives a worker that was killed
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def worker_process(transactional_db, tmp_path: Path) -> Iterator[Worker]:
    """A worker (not started) whose queue starts empty; stopped after the test."""
    celery_app.control.purge()  # messages left by earlier tests' nudges
    worker = Worker(tmp_path)
    yield worker
    worker.stop()
