"""A Celery worker for the benchmarks: prefork, on the bench queues, started and pinged."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4  # as the project's workers run (docker/entrypoint.sh, Procfile)


def start_worker(processes: int = PROCESSES) -> subprocess.Popen:
    """Start the worker in its own session (so a kill takes its children) and wait until it answers."""
    command = [
        sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", "prefork", "--concurrency", str(processes),
        "--queues", "commerce-bench,commerce-bench.relay", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)
    from config.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit("the bench worker did not start")
    return worker
