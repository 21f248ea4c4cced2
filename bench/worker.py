"""Celery workers for the benchmarks, laid out as the Procfile's: a prefork worker for the event
handlers, the relay and email/SMS, and (for webhooks) a threads-pool worker on the webhooks
queue; each started in its own session and pinged until it answers."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4  # as the project's workers run (docker/entrypoint.sh, Procfile)
THREADS = 16  # the webhooks worker's threads (WEBHOOK_CONCURRENCY's default)
QUEUES = "commerce-bench,commerce-bench.relay,commerce-bench.notifications"
WEBHOOK_QUEUE = "commerce-bench.webhooks"  # bench/settings.py routes the webhook sends there


def start_worker(
    processes: int = PROCESSES, *, pool: str = "prefork", queues: str = QUEUES, name: str = "bench"
) -> subprocess.Popen:
    """Start a worker in its own session (so a kill takes its children) and wait until it answers."""
    command = [
        sys.executable, "-m", "celery", "--app", "config", "worker", "--pool", pool, "--concurrency", str(processes),
        "--queues", queues, "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)
    from config.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"{name}@{socket.gethostname()}"], timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit(f"the bench worker {name} did not start")
    return worker


def start_webhooks_worker(concurrency: int = THREADS, pool: str = "threads") -> subprocess.Popen:
    return start_worker(concurrency, pool=pool, queues=WEBHOOK_QUEUE, name="bench-webhooks")
