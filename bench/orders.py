"""POST /api/v1/orders under gunicorn, beside two reference views measured in the same run.

    make bench-orders        (or: .venv/bin/python bench/orders.py --seconds 5 --rounds 3)

Needs PostgreSQL, Redis and RabbitMQ on localhost (the variables below override) and wrk
(apt-get install wrk). It migrates a database of its own (commerce_bench), creates a customer
and its API token, counts the SQL statements of one order placed in-process, then starts
gunicorn with docker/gunicorn.conf.py (2 workers x 4 threads) and bench settings and alternates
rounds of wrk (2 threads, 16 connections, each closed every 50th request) on:

  minimal        GET /bench/minimal: a minimal Django JSON view (bench/urls.py);
  minimal order  POST /bench/minimal-order: five raw INSERTs in one transaction (bench/urls.py),
                 the least an order can cost through Django;
  POST /orders   the real thing, a fresh Idempotency-Key per request (bench/post.lua), one or
                 two lines of the bench SKUs that bench/urls.py stocks in every worker.

The catalog is on mongomock unless MONGODB_URI is set. Prints req/s, p50/p99 latency, ratios
and non-2xx counts; asserts nothing.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8766  # not bench/catalog.py's, so the two can run side by side
sys.path.insert(0, str(ROOT))

from bench.databases import create_database  # noqa: E402 - needs ROOT on sys.path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CATALOG_EMBEDDED_PER_PROCESS", "true")  # one mongomock catalog per worker, on purpose
# No relay worker drains the bench's outbox: without these, shedding would start after a minute.
os.environ.setdefault("BACKPRESSURE_OUTBOX_PENDING_MAX", str(10**9))
os.environ.setdefault("BACKPRESSURE_OUTBOX_AGE_MAX", str(10**9))

CUSTOMER = "bench-orders@bench.local"
ORDERS = "/api/v1/orders"
TARGETS = {  # name: (path, wrk script)
    "minimal": ("/bench/minimal", "reconnect.lua"),
    "minimal order": ("/bench/minimal-order", "post.lua"),  # the same request bytes as the real one
    "POST /orders": (ORDERS, "post.lua"),
}


@dataclass
class Result:
    rate: float
    p50: float  # ms
    p99: float
    errors: int  # non-2xx answers plus wrk's timeouts
    first_error: str


def bodies() -> str:
    """Two order bodies, used in turn: one line, and two lines."""
    from tests.factories.orders import order_request

    requests = [order_request(("BENCH-1", 1)), order_request(("BENCH-2", 1), ("BENCH-3", 2))]
    return "\n".join(json.dumps(body, separators=(",", ":")) for body in requests)


def measure(
    target: str,
    seconds: float,
    token: str,
    port: int = PORT,
    targets: dict | None = None,
    env: dict | None = None,
) -> Result:
    """One wrk run on a target of `targets` (default TARGETS); `env` adds to the script's environment."""
    path, script = (targets or TARGETS)[target]
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_RUN": uuid.uuid4().hex[:12],
        "BENCH_BODIES": bodies(),
        **(env or {}),
    }
    env["BENCH_ERRORS"] = "1" if path == ORDERS else "0"  # keep the minimal-order view's load generator lean
    command = ["wrk", "-t2", "-c16", f"-d{int(seconds)}s", "--latency", "-s", str(ROOT / "bench" / script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, env=env
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    first_error = re.search(r"^first error: (.*)$", out, re.MULTILINE | re.DOTALL)
    return Result(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50=_latency(out, "50"),
        p99=_latency(out, "99"),
        errors=int(bad.group(1) if bad else 0) + int(timeouts.group(1) if timeouts else 0),
        first_error=first_error.group(1).strip() if first_error else "",
    )


def _latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def prepare() -> str:
    """Migrate the bench database, check the broker, return the bench customer's API token."""
    import django

    create_database(os.environ["DATABASE_URL"], fresh=False)
    django.setup()
    from django.core.management import call_command

    from apps.accounts.public import account_create, account_get_by_email, api_token_get
    from config.celery import app

    call_command("migrate", verbosity=0)
    try:  # unreachable, every commit's nudge would fail (and log) instead of publishing
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as exc:
        raise SystemExit(f"the broker at CELERY_BROKER_URL is not reachable: {exc}") from None
    try:
        account = account_get_by_email(email=CUSTOMER)
    except LookupError:
        account = account_create(email=CUSTOMER, password=uuid.uuid4().hex)
    return api_token_get(account_id=account.id)


def statements_per_order(token: str) -> list[str]:
    """The SQL of one order placed in-process through the whole stack (the second of two: the
    first pays for one-time work such as the first connection)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            place_in_process(client, token)
    return [query["sql"] for query in queries.captured_queries]


def place_in_process(client, token: str) -> dict:
    """POST one order (two lines) through a Django test client; the placed order's JSON."""
    response = client.post(
        ORDERS,
        bodies().splitlines()[1],
        content_type="application/json",
        headers={"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    if response.status_code != 201:
        raise SystemExit(f"in-process order failed: {response.status_code} {response.content[:600]}")
    return response.json()


def start_server(port: int = PORT, env: dict[str, str] | None = None) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "docker/gunicorn.conf.py",
         "--max-requests", "0", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port), **(env or {})},
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def print_header(statements: list[str], what: str = "order", target: str = " (target <= 12)") -> None:
    transaction_control = sum(sql in ("BEGIN", "COMMIT", "ROLLBACK") for sql in statements)
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    print("Machine: 2 cores shared by gunicorn (2 workers x 4 threads), PostgreSQL, Redis, RabbitMQ")
    print("and the load generator (wrk, 2 threads, 16 connections, each closed every 50th request).")
    print(f"Stores: PostgreSQL ({database}), Redis, RabbitMQ. Each commit's relay nudge is published to")
    print("RabbitMQ as in production, but no worker drains it: the nudge key stays set, so at most one")
    print("publish per 5 s (with a relay worker, about one per relay run).")
    if "MONGODB_URI" in os.environ:
        print("Catalog: MongoDB.")
    else:
        print("Catalog: mongomock in each worker, committed reservations pruned every 10 requests")
        print("(bench/urls.py); mongomock scans every document: not a speed claim for MongoDB.")
    print(f"\nSQL statements per {what}, one placed in-process: {len(statements)}{target},")
    print(f"{transaction_control} of them BEGIN/COMMIT:")
    for sql in statements:
        print(f"  {sql[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench-orders does it)")

    token = prepare()
    print_header(statements_per_order(token))
    server = start_server()
    try:
        for target in TARGETS:  # warm-up: imports, connections, every worker's bench catalog
            measure(target, 2, token)
        print(f"\n{'round':>5}  {'':>13}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}")
        results: dict[str, list[Result]] = {target: [] for target in TARGETS}
        first_error = ""
        for round_number in range(1, args.rounds + 1):
            for target in TARGETS:
                result = measure(target, args.seconds, token)
                results[target].append(result)
                first_error = first_error or result.first_error
                print(
                    f"{round_number:>5}  {target:>13}  {result.rate:>7,.0f}  {result.p50:>7.1f}"
                    f"  {result.p99:>7.1f}  {result.errors:>7}"
                )
        print_summary(results, first_error)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def median(results: dict[str, list[Result]], target: str, field: str) -> float:
    return statistics.median(getattr(result, field) for result in results[target])


def print_medians(results: dict[str, list[Result]]) -> None:
    """Each target's median req/s, p50 and p99 over the rounds, and its non-2xx total."""
    print("\nmedian over rounds:")
    for target, rounds in results.items():
        errors = sum(result.errors for result in rounds)
        print(
            f"  {target:>13}  {median(results, target, 'rate'):>7,.0f} req/s  p50 {median(results, target, 'p50'):>6.1f} ms"
            f"  p99 {median(results, target, 'p99'):>6.1f} ms  non-2xx {errors}"
        )


def print_summary(results: dict[str, list[Result]], first_error: str) -> None:
    print_medians(results)
    orders = [result.rate for result in results["POST /orders"]]
    to_order = statistics.median(o / r.rate for o, r in zip(orders, results["minimal order"], strict=True))
    to_minimal = statistics.median(o / r.rate for o, r in zip(orders, results["minimal"], strict=True))
    print(f"POST /orders: {to_order:.0%} of the minimal-order view (target >= 50%), {to_minimal:.0%} of the")
    print(f"minimal view; p99 {median(results, 'POST /orders', 'p99'):.1f} ms (target <= 60 ms)")
    if first_error:
        print(f"first error: {first_error}")


if __name__ == "__main__":
    main()
