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

The catalog is on mongomock unless MONGODB_URI is set. Before the server starts it places orders
in-process and splits their time: the catalog calls (prices, reserve, commit) with the MongoDB
operations and Redis commands they make, and the rest. Prints req/s, p50/p99 latency, ratios and
non-2xx counts; asserts nothing.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
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
TARGET_SHARE, TARGET_P99, TARGET_STATEMENTS = 0.35, 150, 12  # issue 20
CATALOG_CALLS = ("prices_for", "stock_reserve", "stock_commit")  # as apps/orders/services.py calls them
MONGO_OPERATIONS = (  # pymongo's and mongomock's Collection methods that go to the server
    "find", "find_one", "find_one_and_update", "insert_one", "insert_many", "update_one",
    "update_many", "delete_one", "delete_many", "bulk_write", "aggregate", "count_documents",
)  # fmt: skip
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
    cpu: dict[str, float] = field(default_factory=dict)  # CPU ms per request, by process group


# Which process group a process's CPU counts under (first match on its command line).
CPU_GROUPS = (
    ("gunicorn", "gunicorn"),
    ("postgres", "postgres"),
    ("redis", "redis-server"),
    ("rabbitmq", "beam.smp"),
)


def cpu_seconds_by_group() -> Counter:
    """CPU seconds (user + system) used so far by each group's live processes (from /proc)."""
    ticks, used = os.sysconf("SC_CLK_TCK"), Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        group = next((name for name, marker in CPU_GROUPS if marker in command), None)
        if group is not None:
            fields_after_name = stat[stat.rindex(")") + 2 :].split()
            used[group, pid] = (int(fields_after_name[11]) + int(fields_after_name[12])) / ticks
    return used


def cpu_per_request(
    before: Counter, after: Counter, load_seconds: float, requests: float
) -> dict[str, float]:
    """CPU ms per request by group over a run, the load generator's (`load_seconds`) included."""
    per_group = Counter()
    for (group, pid), seconds in after.items():
        per_group[group] += seconds - before.get((group, pid), 0.0)
    per_group["wrk"] = load_seconds
    return {group: per_group[group] * 1000 / requests for group in (*(g for g, _ in CPU_GROUPS), "wrk")}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    cpu_before, wrk_before = cpu_seconds_by_group(), _children_cpu()
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, env=env
    ).stdout
    cpu_after, wrk_seconds = cpu_seconds_by_group(), _children_cpu() - wrk_before
    requests = max(int(re.search(r"(\d+) requests in", out).group(1)), 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    first_error = re.search(r"^first error: (.*)$", out, re.MULTILINE | re.DOTALL)
    return Result(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50=_latency(out, "50"),
        p99=_latency(out, "99"),
        errors=int(bad.group(1) if bad else 0) + int(timeouts.group(1) if timeouts else 0),
        first_error=first_error.group(1).strip() if first_error else "",
        cpu=cpu_per_request(cpu_before, cpu_after, wrk_seconds, requests),
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


def place_in_process(client, token: str, body: str) -> dict:
    """POST one order through a Django test client; the placed order's JSON."""
    response = client.post(
        ORDERS,
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    if response.status_code != 201:
        raise SystemExit(f"in-process order failed: {response.status_code} {response.content[:600]}")
    return response.json()


def statements_per_order(token: str) -> list[str]:
    """The SQL of one order placed in-process through the whole stack (the second of two: the
    first pays for one-time work such as the first connection)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, body = Client(HTTP_HOST="127.0.0.1"), bodies().splitlines()[1]
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            place_in_process(client, token, body)
    return [query["sql"] for query in queries.captured_queries]


@dataclass
class Split:
    orders: int
    total: float  # ms per order, wall
    catalog: dict[str, float]  # ms per order in each catalog call
    mongo: float  # MongoDB operations per order (inside the catalog calls)
    redis: float  # Redis commands per order inside the catalog calls


def catalog_split(token: str, orders: int = 60) -> Split:
    """Place `orders` orders in-process (one thread, the bench's settings) and time the catalog
    calls apart from the rest, counting what they send to MongoDB and Redis. On mongomock each
    operation is a linear scan in this process; on a MongoDB server it is one indexed round trip,
    so operations x round-trip time is the figure to judge a real server by."""
    import mongoengine
    import redis
    from django.test import Client

    from apps.catalog.documents import Variant
    from apps.orders import services

    seconds, operations = Counter(), Counter()
    local = threading.local()

    @contextmanager
    def outermost(kind: str):
        depth = getattr(local, kind, 0)  # mongomock's and redis-py's calls nest
        setattr(local, kind, depth + 1)
        try:
            yield depth == 0
        finally:
            setattr(local, kind, depth)

    def counted(kind, method):
        def wrapper(*args, **kwargs):
            with outermost(kind) as first:
                if first and getattr(local, "catalog", 0):
                    operations[kind] += 1
                return method(*args, **kwargs)

        return wrapper

    def timed(name, function):
        def wrapper(*args, **kwargs):
            with outermost("catalog"):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    seconds[name] += time.perf_counter() - started

        return wrapper

    collection = type(Variant._get_collection())
    patched = [(services, name, getattr(services, name)) for name in CATALOG_CALLS]
    patched += [(collection, name, getattr(collection, name)) for name in MONGO_OPERATIONS]
    patched.append((redis.Redis, "execute_command", redis.Redis.execute_command))
    for owner, name, original in patched:
        if owner is services:
            wrapped = timed(name, original)
        else:
            wrapped = counted("redis" if owner is redis.Redis else "mongo", original)
        setattr(owner, name, wrapped)
    client, body_lines = Client(HTTP_HOST="127.0.0.1"), bodies().splitlines()
    try:
        for number in range(10):  # warm-up, then measure from zero
            place_in_process(client, token, body_lines[number % 2])
        seconds.clear()
        operations.clear()
        started = time.perf_counter()
        for number in range(orders):
            place_in_process(client, token, body_lines[number % 2])
        total = time.perf_counter() - started
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)
        if mongoengine.get_db().client.__class__.__module__.startswith("mongomock"):
            mongoengine.get_db()["reservations"].delete_many({"status": "committed"})
    return Split(
        orders=orders,
        total=total * 1000 / orders,
        catalog={name: seconds[name] * 1000 / orders for name in CATALOG_CALLS},
        mongo=operations["mongo"] / orders,
        redis=operations["redis"] / orders,
    )


def print_split(split: Split) -> None:
    catalog = sum(split.catalog.values())
    parts = ", ".join(f"{name} {ms:.1f}" for name, ms in split.catalog.items())
    store = "MongoDB" if "MONGODB_URI" in os.environ else "mongomock (linear scans, in this process)"
    print(
        f"\nIn process, {split.orders} orders one after another (one thread; load average {os.getloadavg()[0]:.1f}):"
    )
    print(f"  {split.total:.1f} ms per order; catalog calls {catalog:.1f} ms ({parts}) on {store},")
    print(f"  making {split.mongo:.1f} MongoDB operations and {split.redis:.1f} Redis commands per order;")
    print(
        f"  everything else {split.total - catalog:.1f} ms (Django, DRF, auth, idempotency, ORM, PostgreSQL)."
    )
    print("  On a MongoDB server each operation is one indexed round trip: operations x round-trip")
    print("  time replaces the mongomock figure.")


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


def print_header(
    statements: list[str], what: str = "order", target: str = f" (target <= {TARGET_STATEMENTS})"
) -> None:
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
    work = len(statements) - transaction_control
    print(f"\nSQL statements per {what}, one placed in-process: {work}{target}, plus {transaction_control}")
    print("BEGIN/COMMIT (an autocommit statement is its own transaction):")
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
    print_split(catalog_split(token))
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
    print("\nCPU per request, ms (median over rounds; 2 cores = 2,000 ms of CPU per second):")
    groups = (*(group for group, _ in CPU_GROUPS), "wrk")
    print(
        f"  {'':>13}  " + "  ".join(f"{group:>8}" for group in groups) + f"  {'total':>8}  {'cores busy':>10}"
    )
    for target, rounds in results.items():
        if not all(result.cpu for result in rounds):
            continue
        per_group = {g: statistics.median(result.cpu[g] for result in rounds) for g in groups}
        total = statistics.median(sum(result.cpu.values()) for result in rounds)
        busy = statistics.median(sum(result.cpu.values()) * result.rate / 2000 for result in rounds)
        print(
            f"  {target:>13}  "
            + "  ".join(f"{per_group[g]:>8.2f}" for g in groups)
            + f"  {total:>8.2f}  {busy:>10.0%}"
        )


def print_summary(results: dict[str, list[Result]], first_error: str) -> None:
    print_medians(results)
    orders = [result.rate for result in results["POST /orders"]]
    shares = [o / r.rate if r.rate else 0.0 for o, r in zip(orders, results["minimal order"], strict=True)]
    to_order = statistics.median(shares)
    to_minimal = statistics.median(
        o / r.rate if r.rate else 0.0 for o, r in zip(orders, results["minimal"], strict=True)
    )
    p99 = median(results, "POST /orders", "p99")
    print(
        f"POST /orders per round: {', '.join(f'{share:.0%}' for share in shares)} of the minimal-order view"
    )
    print(
        f"POST /orders: {to_order:.0%} of the minimal-order view (target >= {TARGET_SHARE:.0%}: "
        f"{'met' if to_order >= TARGET_SHARE else 'MISSED'}), {to_minimal:.0%} of the minimal view;"
    )
    print(f"p99 {p99:.1f} ms (target <= {TARGET_P99} ms: {'met' if p99 <= TARGET_P99 else 'MISSED'})")
    if all(result.cpu for rounds in results.values() for result in rounds):
        order_cpu, minimal_cpu = (
            statistics.median(sum(result.cpu.values()) for result in results[target])
            for target in ("POST /orders", "minimal order")
        )
        print(
            f"CPU per request, all processes: POST /orders {order_cpu:.1f} ms, minimal order {minimal_cpu:.1f} ms "
            f"({order_cpu / minimal_cpu:.1f}x); with the cores saturated, {TARGET_SHARE:.0%} means <= "
            f"{minimal_cpu / TARGET_SHARE:.1f} ms per order"
        )
    if first_error:
        print(f"first error: {first_error}")


if __name__ == "__main__":
    main()
