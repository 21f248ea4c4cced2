"""Webhook deliveries/s to a local receiver, and event -> webhook delivered latency.

    make bench-notifications     (or: .venv/bin/python bench/notifications.py --events 1000)

Needs PostgreSQL, RabbitMQ and Redis on localhost (the variables below override). It uses a
database of its own (commerce_bench_notifications, + _reporting) and bench/settings.py's queues, starts the Celery
workers as the Procfile runs them (prefork, 4 processes, for the handlers; threads for the webhook
sends: bench/worker.py) and an HTTP receiver on 127.0.0.1 (its own process), subscribes one
endpoint to payments.*, and measures, with the webhook rate limit off (NOTIFICATIONS_RATE_LIMITS):

  steady   events committed through the real path (domain signal in a transaction, after-commit
           nudge) at a fixed rate; latency = the receiver's clock on arrival - the event's `time`
           (relay, fan-out handler, delivery task, signing, HTTP POST, all included);
  burst    N events committed at once, one relay nudge, until the receiver has N signed POSTs.

Prints numbers; asserts nothing.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench.databases import create_database  # noqa: E402 - needs ROOT on sys.path
from bench.worker import PROCESSES as worker_processes  # noqa: E402
from bench.worker import QUEUES as worker_queues  # noqa: E402
from bench.worker import THREADS as webhook_threads  # noqa: E402
from bench.worker import WEBHOOK_QUEUE as webhook_queue  # noqa: E402
from bench.worker import start_webhooks_worker, start_worker  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench_notifications")
os.environ.setdefault(
    "REPORTING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench_notifications_reporting"
)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ.setdefault("LOG_FORMAT", "console")
# The receiver is on 127.0.0.1 (the SSRF guard refuses it outside DEBUG), and the bench measures
# the machinery, not the production limit of 100 webhooks/s.
os.environ["NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"
os.environ["NOTIFICATIONS_RATE_LIMITS"] = "webhook=0"


class Arrivals:
    """The receiver, in a process of its own (so it never waits on this one's GIL): asyncio,
    HTTP/1.1 keep-alive, 204 to every POST. It keeps webhook-id -> arrival time (wall clock) and
    counts arrivals in shared memory; `times()` asks it for the whole map."""

    def __init__(self, delay: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self.counter = context.Value("q", 0, lock=False)
        self.port = context.Value("i", 0)
        self.parent, child = context.Pipe()
        self.process = context.Process(
            target=_receive, args=(self.counter, self.port, child, delay), daemon=True
        )
        self.process.start()
        while not self.port.value:
            time.sleep(0.01)

    def count(self) -> int:
        return self.counter.value

    def times(self) -> dict[str, float]:
        self.parent.send("times")
        return self.parent.recv()

    def stop(self) -> None:
        self.process.kill()


def _receive(counter, port, pipe, delay: float) -> None:
    import asyncio

    times: dict[str, float] = {}

    async def connection(reader, writer) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                headers = dict(
                    line.split(": ", 1)
                    for line in head.decode("latin-1").lower().split("\r\n")[1:]
                    if ": " in line
                )
                await reader.readexactly(int(headers.get("content-length", 0)))
                if headers["webhook-id"] not in times:
                    times[headers["webhook-id"]] = arrived
                    counter.value += 1
                if delay:  # a receiver across a network: it answers after a while
                    await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def answer() -> None:
            try:
                pipe.recv()
                pipe.send(times)
            except (EOFError, OSError):  # the bench is gone: so is the receiver
                loop.remove_reader(pipe.fileno())
                done.set()

        loop.add_reader(pipe.fileno(), answer)
        await done.wait()

    asyncio.run(serve())


def wait_until(predicate, *, timeout: float = 300, interval: float = 0.02) -> None:
    """Poll; every 5 s do what beat does in production (bench settings run no beat): sweep the
    outbox and the deliveries, so a nudge lost to a broker hiccup delays the run, never hangs it."""
    from apps.events.outbox import nudge_relay
    from apps.notifications.services import deliveries_sweep

    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + 5
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out: is the worker still running?")
        if time.monotonic() > next_sweep:
            nudge_relay()
            deliveries_sweep()
            next_sweep = time.monotonic() + 5
        time.sleep(interval)


def void_payment(i: int) -> None:
    from tests.helpers import publish_payment_voided

    publish_payment_voided(amount=100 + i)


def last_outbox_id() -> int:
    from apps.events.models import OutboxEvent

    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_after(outbox_id: int) -> dict[str, float]:
    """Event id -> creation time of the events committed after that outbox row (this run's)."""
    from apps.events.models import OutboxEvent

    rows = OutboxEvent.objects.filter(pk__gt=outbox_id, handler="").values_list("event_id", "envelope")
    return {
        str(event_id): datetime.fromisoformat(envelope["time"]).timestamp() for event_id, envelope in rows
    }


def steady(arrivals: Arrivals, rate: int, seconds: int) -> tuple[float, float, float, float]:
    count = rate * seconds
    first = last_outbox_id()
    before = arrivals.count()
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        void_payment(i)
    achieved = count / (time.perf_counter() - started)
    wait_until(lambda: arrivals.count() - before == count, interval=0.1)
    created = events_after(first)
    arrived = arrivals.times()
    latencies = sorted((arrived[event_id] - at) * 1000 for event_id, at in created.items())
    print_stages(created, arrived)
    return achieved, statistics.median(latencies), _p99(latencies), latencies[-1]


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def print_stages(created: dict[str, float], arrived: dict[str, float]) -> None:
    """Where an event's time went, from the timestamps the path writes anyway: the event's `time`,
    the outbox row's published_at (relay), the notify handler's inbox row (its transaction began),
    the delivery row (fan-out), the receiver's arrival, and the delivery's recorded outcome."""
    from apps.events.models import InboxEntry, OutboxEvent
    from apps.notifications.handlers import notify
    from apps.notifications.models import Delivery

    ids = list(created)
    # The receiver counts a webhook when it arrives, before it answers: wait for the outcomes.
    wait_until(lambda: not Delivery.objects.filter(event_id__in=ids, delivered_at__isnull=True).exists())
    published = dict(
        OutboxEvent.objects.filter(event_id__in=ids, handler="").values_list("event_id", "published_at")
    )
    handled = dict(
        InboxEntry.objects.filter(
            event_id__in=ids, handler=f"{notify.__module__}.{notify.__qualname__}"
        ).values_list("event_id", "processed_at")
    )
    fanned = {
        event_id: (made, recorded)
        for event_id, made, recorded in Delivery.objects.filter(event_id__in=ids).values_list(
            "event_id", "created_at", "delivered_at"
        )
    }
    stages: dict[str, list[float]] = {}
    slowest: list[tuple[float, list[float]]] = []
    for event_id, at in created.items():
        key = uuid.UUID(event_id)
        made, recorded = fanned[key]
        points = [
            ("commit -> relay published", published[key].timestamp()),
            ("published -> notify handler starts", handled[key].timestamp()),
            ("handler starts -> delivery row", made.timestamp()),
            ("delivery row -> receiver", arrived[event_id]),
            ("receiver -> outcome recorded", recorded.timestamp()),
        ]
        previous, spent = at, []
        for name, when in points:
            spent.append((when - previous) * 1000)
            stages.setdefault(name, []).append(spent[-1])
            previous = when
        slowest.append(((arrived[event_id] - at) * 1000, spent))
    print("where the time went (ms):")
    for name, values in stages.items():
        values.sort()
        print(f"  {name:<38} p50 {statistics.median(values):>7.0f}  p99 {_p99(values):>7.0f}")
    # The tail, event by event: which stage each of the slowest spent its time in.
    slowest.sort(reverse=True)
    print("slowest events, ms per stage above (in order):")
    for total, spent in slowest[:5]:
        print(f"  {total:>6.0f}: " + " / ".join(f"{ms:.0f}" for ms in spent))


def burst(arrivals: Arrivals, n: int) -> float:
    """N events in the outbox at once (one bulk insert), one nudge, until N webhooks arrived."""
    from apps.events.envelope import build_envelope
    from apps.events.models import OutboxEvent
    from apps.events.outbox import nudge_relay

    data = {
        "payment_id": str(uuid.uuid4()), "order_id": str(uuid.uuid4()), "provider": "sandbox", "status": "voided",
        "currency": "EUR", "amount_authorized": 100, "amount_captured": 0, "amount_refunded": 0,
    }  # fmt: skip
    # Subject = the payment id, as payments sends it (reporting projects payments by it).
    envelopes = [
        build_envelope(
            event_type="payments.PaymentVoided.v1", subject=str(uuid.uuid4()), data=data, aggregate_version=2
        )
        for _ in range(n)
    ]
    OutboxEvent.objects.bulk_create(
        OutboxEvent(event_id=e["id"], type=e["type"], subject=e["subject"], envelope=e) for e in envelopes
    )
    before = arrivals.count()
    started = time.perf_counter()
    nudge_relay()
    wait_until(lambda: arrivals.count() - before == n)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events per burst")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--rate", type=int, default=50, help="events/s for the latency run (keep it under the burst rate)"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--steady-runs", type=int, default=2)
    parser.add_argument(
        "--receiver-delay", type=float, default=0.0, help="seconds the receiver waits before answering"
    )
    parser.add_argument("--webhook-pool", choices=["threads", "prefork"], default="threads")
    parser.add_argument("--webhook-concurrency", type=int, default=webhook_threads)
    parser.add_argument(
        "--one-worker",
        action="store_true",
        help="webhook sends on the handlers' prefork worker (the old layout)",
    )
    args = parser.parse_args()

    # Both databases empty: payments events also reach reporting's projection, which must not fail.
    for variable in ("DATABASE_URL", "REPORTING_DATABASE_URL"):
        create_database(os.environ[variable], fresh=True)
    import django

    django.setup()
    from django.core.management import call_command

    from apps.notifications.models import WebhookEndpoint
    from apps.notifications.services import endpoint_secret_initial
    from config.celery import app

    call_command("migrate", run_syncdb=True, verbosity=0)
    call_command("migrate", database="reporting", verbosity=0)
    app.control.purge()
    arrivals = Arrivals(args.receiver_delay)
    url = f"http://127.0.0.1:{arrivals.port.value}/hooks"
    WebhookEndpoint.objects.create(url=url, event_types=["payments.*"], secrets=endpoint_secret_initial())
    sends = "the same processes" if args.one_worker else f"{args.webhook_pool}, {args.webhook_concurrency}"
    print(f"Machine: {os.cpu_count()} cores shared by PostgreSQL, RabbitMQ, Redis, the workers (handlers:")
    print(
        f"prefork, {worker_processes} processes; webhook sends: {sends}), the receiver and this load generator."
    )
    print("One endpoint, payments.*.")
    if args.one_worker:  # the layout before: webhook sends share the handlers' prefork processes
        workers = [start_worker(queues=f"{worker_queues},{webhook_queue}")]
    else:
        workers = [start_worker(), start_webhooks_worker(args.webhook_concurrency, args.webhook_pool)]
    try:
        burst(arrivals, 100)  # warm-up: connections, imports
        for run in range(1, args.steady_runs + 1):  # more than one: a tail that comes once shows
            print(f"\nsteady run {run} of {args.steady_runs}")
            achieved, p50, p99, worst = steady(arrivals, args.rate, args.seconds)
            print(f"steady load: {achieved:,.0f} events/s for {args.seconds} s through the real path")
            print(
                f"event created -> signed webhook received: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms "
                "(target p99 <= 250 ms at 50 events/s)"
            )
        rates = []
        print(f"\n{'round':>5}  {'webhook deliveries/s':>22}  ({args.events} events, one nudge)")
        for round_number in range(1, args.rounds + 1):
            rates.append(burst(arrivals, args.events))
            print(f"{round_number:>5}  {rates[-1]:>22,.0f}")
        print(
            f"median: {statistics.median(rates):,.0f} webhook deliveries/s (relay + fan-out + send, end to end; "
            "target >= 300)"
        )
    finally:
        for worker in workers:
            os.killpg(worker.pid, 15)
        for worker in workers:
            worker.wait(timeout=30)
        arrivals.stop()


if __name__ == "__main__":
    main()
