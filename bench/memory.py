"""Memory of one gunicorn worker over 20,000 mixed requests, and of one Celery worker process
over 20,000 events: RSS printed every 1,000.

    make bench-memory        (or: .venv/bin/python bench/memory.py --requests 20000 --events 20000)

Needs PostgreSQL, Redis and RabbitMQ on localhost (the variables below override); uses a database
of its own (commerce_bench_memory, fresh every run). Web: gunicorn with docker/gunicorn.conf.py
but one worker (4 threads) and no recycling, loaded by 4 client threads with keep-alive: half
product reads, a quarter order placements, a quarter order reads. Worker: prefork with 4
processes (the largest is reported), fed bench/probe events through the outbox (relay +
dispatch + handler + inbox; the business handlers need a catalog the bench process cannot share
with mongomock).
Growth is measured from the sample after warm-up (the first quarter) to the last. Targets: RSS
<= 150 MB and growth <= 5%. Prints; asserts nothing.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import create_database  # noqa: E402 - needs ROOT on sys.path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench_memory")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("BACKPRESSURE_OUTBOX_PENDING_MAX", str(10**9))
os.environ.setdefault("BACKPRESSURE_OUTBOX_AGE_MAX", str(10**9))

from bench.orders import bodies, prepare, start_server  # noqa: E402
from bench.worker import start_worker  # noqa: E402

PORT = 8767  # not the other benches'
STEP = 1000
TARGET_MB, TARGET_GROWTH = 150, 0.05
CLIENTS = 4


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


class Client:
    """One keep-alive connection: product reads, order placements and order reads in turn."""

    def __init__(self, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.auth = {"Authorization": f"Token {token}"}
        self.bodies = cycle(bodies().splitlines())
        self.orders: list[str] = []
        self.kinds = cycle(["product", "place", "product", "read"])
        self.failures = 0

    def one(self) -> None:
        kind = next(self.kinds)
        if kind == "product":
            status, _ = self._send("GET", "/api/v1/products/BENCH-1")
        elif kind == "place" or not self.orders:
            headers = {**self.auth, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            status, body = self._send("POST", "/api/v1/orders", next(self.bodies), headers)
            if status == 201:
                self.orders = [json.loads(body)["id"], *self.orders[:19]]
        else:
            status, _ = self._send("GET", f"/api/v1/orders/{self.orders[-1]}", headers=self.auth)
        self.failures += status >= 400

    def _send(self, method, path, body=None, headers=None) -> tuple[int, bytes]:
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        return response.status, response.read()


def web(token: str, total: int) -> list[float]:
    server = start_server(PORT, env={"WEB_CONCURRENCY": "1"})
    try:
        (worker_pid,) = children(server.pid)
        clients = [Client(token) for _ in range(CLIENTS)]
        samples = []
        print(f"\nweb: one gunicorn worker (pid {worker_pid}, 4 threads), {CLIENTS} clients")
        print(f"{'requests':>9}  {'RSS MB':>7}  {'req/s':>6}  {'failed':>6}")
        for done in range(STEP, total + 1, STEP):
            started = time.perf_counter()
            threads = [threading.Thread(target=_run, args=(c, STEP // CLIENTS)) for c in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            samples.append(rss_mb(worker_pid))
            rate = STEP / (time.perf_counter() - started)
            print(f"{done:>9,}  {samples[-1]:>7.1f}  {rate:>6.0f}  {sum(c.failures for c in clients):>6}")
        return samples
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _run(client: Client, count: int) -> None:
    for _ in range(count):
        client.one()


def worker(total: int) -> list[float]:
    """The largest pool process of a prefork worker as the project runs it (4 processes)."""
    from django.utils import timezone

    from apps.events.models import OutboxEvent
    from bench.outbox import outbox_burst
    from config.celery import app

    # The web part's orders left their events in the outbox; no worker may take those (their
    # handlers need the web workers' catalogs), so they count as published.
    OutboxEvent.objects.filter(published_at__isnull=True).update(published_at=timezone.now())
    app.control.purge()  # and their relay nudges, or an earlier run's messages
    process = start_worker()
    try:
        pool = children(process.pid)
        samples = []
        print(f"\nworker: prefork, {len(pool)} processes; RSS of the largest")
        print(f"{'events':>9}  {'RSS MB':>7}  {'events/s':>8}")
        for done in range(STEP, total + 1, STEP):
            rate = outbox_burst(STEP)
            samples.append(max(rss_mb(pid) for pid in pool))
            print(f"{done:>9,}  {samples[-1]:>7.1f}  {rate:>8.0f}")
        return samples
    finally:
        process.terminate()  # warm shutdown of the main process; it stops its pool
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def verdict(name: str, samples: list[float]) -> None:
    warm = samples[max(0, len(samples) // 4 - 1)]
    growth = samples[-1] / warm - 1
    peak = max(samples)
    print(
        f"{name}: peak {peak:.1f} MB (target <= {TARGET_MB}: {'met' if peak <= TARGET_MB else 'missed'}),"
        f" growth after warm-up {growth:+.1%} (target <= {TARGET_GROWTH:.0%}:"
        f" {'met' if growth <= TARGET_GROWTH else 'missed'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    if min(args.requests, args.events) < STEP:
        raise SystemExit(f"--requests and --events are counted in steps of {STEP}")

    create_database(os.environ["DATABASE_URL"], fresh=True)
    token = prepare()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)  # bench.probe's tables
    web_samples = web(token, args.requests)
    worker_samples = worker(args.events)
    print()
    verdict("web worker", web_samples)
    verdict("Celery worker process", worker_samples)


if __name__ == "__main__":
    main()
