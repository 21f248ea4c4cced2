"""Reporting backfill throughput and projection handler latency.

    make bench-reporting     (or: .venv/bin/python bench/reporting.py --orders 20000)

Needs PostgreSQL on localhost (DATABASE_URL / REPORTING_DATABASE_URL override); uses databases
of its own (commerce_bench_reporting_src for orders and payments, commerce_bench_reporting for the
projections), recreated on every run. No broker: events are delivered in this process with the
backbone's own `deliver` (inbox row on `default`, projection on `reporting`), as a worker would.

1. Bulk-inserts N orders (paid, with a captured payment and their status history) into the source.
2. Backfill: `orders_backfill` and `payments_backfill`, rows/s, beside two references measured in
   the same run: reading the same keyset pages only (orders.public), and a bare bulk insert of N
   OrderFact rows (the least the write can cost). The backfill reads in a second process while it
   writes (apps/reporting/backfill.py); its CPU figure adds that process's.
3. Handler latency: the projection handlers on fresh events (OrderCreated, PaymentCaptured,
   OrderPaid for new orders placed the same day, so each daily-sales rebuild aggregates a day of
   N orders), p50 and p99 per event.

Prints every round, the medians and the ratio orders_backfill / bare bulk insert per round;
asserts nothing. Target: that ratio >= 60 %.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import create_database  # noqa: E402 - needs ROOT on sys.path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench_reporting_src")
os.environ.setdefault("REPORTING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/commerce_bench_reporting")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a log line per event would be part of what is measured
os.environ.setdefault("LOG_FORMAT", "console")
for name in ("CELERY_BROKER_URL", "REDIS_URL", "MONGODB_URI"):
    os.environ.pop(name, None)  # no broker, no cache: nothing here needs them


def seed_orders(count: int) -> None:
    """Paid orders with a captured payment and their two status rows, bulk-inserted."""
    from django.utils import timezone

    from apps.orders.models import Order, OrderStatusChange
    from apps.payments.models import Payment

    now = timezone.now()
    for start in range(0, count, 5000):
        orders, payments, changes = [], [], []
        for n in range(start, min(start + 5000, count)):
            order_id, payment_id = uuid.uuid4(), uuid.uuid4()
            total = 1000 + n % 50 * 100
            payments.append(
                Payment(
                    id=payment_id, order_id=order_id, provider="sandbox", payment_method="pm_sandbox_ok",
                    idempotency_key=f"bench:{payment_id}", status="captured", currency="EUR", amount=total,
                    amount_authorized=total, amount_captured=total, version=3, created_at=now,
                )
            )  # fmt: skip
            orders.append(
                Order(
                    id=order_id, number=f"B-{n:09d}", customer_id=1 + n % 100, customer_email="b@example.com",
                    status="paid", currency="EUR", total_amount=total, item_count=1 + n % 3, shipping_address={},
                    payment_id=payment_id, payment_provider="sandbox", payment_status="captured", payment_version=3,
                    reservation_ref=f"{order_id}.bench", version=2, created_at=now,
                )
            )  # fmt: skip
            changes += [
                OrderStatusChange(order_id=order_id, to_status="placed", actor="bench", created_at=now),
                OrderStatusChange(order_id=order_id, from_status="placed", to_status="paid", actor="bench", created_at=now),
            ]  # fmt: skip
        Payment.objects.bulk_create(payments)
        Order.objects.bulk_create(orders)
        OrderStatusChange.objects.bulk_create(changes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order, orders_orderstatuschange, payments_payment")


def wipe_reporting() -> None:
    from apps.reporting.models import BackfillCheckpoint, DailySales, OrderFact, PaymentFact, SalesDay

    for model in (OrderFact, PaymentFact, DailySales, SalesDay, BackfillCheckpoint):
        model.objects.all().delete()


def timed(work) -> tuple[float, float]:
    """(rows/s, CPU ms per 1,000 rows of this process and the child processes it started and
    waited for: the backfill's reader) of work(), which returns its row count. The CPU figure is
    steadier than wall time on a shared machine; PostgreSQL's is in neither."""
    wall, cpu = time.perf_counter(), _cpu()
    rows = work()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return rows / wall, cpu * 1000 / rows * 1000


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure_backfill(batch_size: int) -> dict[str, tuple[float, float]]:
    from apps.orders.public import orders_count, orders_page
    from apps.reporting.backfill import orders_backfill, payments_backfill
    from apps.reporting.models import OrderFact

    def read_only() -> int:
        rows, cursor = 0, None
        while True:
            page = orders_page(after=cursor, limit=batch_size)
            rows += len(page.records)
            if page.next is None:
                return rows
            cursor = page.next

    def bare_insert() -> int:
        facts = [
            OrderFact(
                order_id=uuid.uuid4(),
                number=f"R-{n}",
                status="paid",
                currency="EUR",
                total_amount=1,
                item_count=1,
            )
            for n in range(count)
        ]
        for i in range(0, len(facts), batch_size):
            OrderFact.objects.bulk_create(facts[i : i + batch_size])
        return count

    count = orders_count()
    results = {"read pages only (orders.public)": timed(read_only)}
    results["bare bulk insert of OrderFact"] = timed(bare_insert)
    wipe_reporting()
    results["orders_backfill"] = timed(lambda: orders_backfill(batch_size=batch_size, restart=True).rows)
    results["payments_backfill"] = timed(lambda: payments_backfill(batch_size=batch_size, restart=True).rows)
    wipe_reporting()
    return results


def measure_handlers(events: int) -> dict[str, list[float]]:
    """Latency of `deliver` per projection handler on fresh events (ms)."""
    from apps.events.delivery import deliver
    from apps.events.envelope import build_envelope

    timings: dict[str, list[float]] = {}
    orders = events // 3
    for n in range(orders):
        order_id, payment_id = str(uuid.uuid4()), str(uuid.uuid4())
        order = {
            "order_id": order_id, "number": f"H-{n:08d}", "customer_id": 7, "currency": "EUR",
            "total_amount": 2500, "item_count": 2, "payment_id": payment_id,
        }  # fmt: skip
        payment = {
            "payment_id": payment_id, "order_id": order_id, "provider": "sandbox", "currency": "EUR",
            "amount_authorized": 2500, "amount_captured": 2500, "amount_refunded": 0,
        }  # fmt: skip
        for event_type, subject, data, version, handler in [
            ("orders.OrderCreated.v1", order_id, order | {"status": "placed", "lines": []}, 1, "project_order"),
            ("payments.PaymentCaptured.v1", payment_id, payment | {"status": "captured", "captured": 2500}, 3, "project_payment"),
            ("orders.OrderPaid.v1", order_id, order | {"status": "paid", "reason": ""}, 2, "project_order"),
        ]:  # fmt: skip
            envelope = build_envelope(
                event_type=event_type, subject=subject, data=data, aggregate_version=version
            )
            started = time.perf_counter()
            outcome = deliver(envelope, f"apps.reporting.handlers.{handler}")
            timings.setdefault(event_type, []).append((time.perf_counter() - started) * 1000)
            assert outcome == "processed", outcome  # a broken bench, not a measurement
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    create_database(os.environ["DATABASE_URL"], fresh=True)
    create_database(os.environ["REPORTING_DATABASE_URL"], fresh=True)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("migrate", database="reporting", verbosity=0)
    print(
        f"PostgreSQL for both aliases (CI's stand-in for SQL Server); {os.cpu_count()} cores shared with the database."
    )
    print(f"Seeding {args.orders:,} paid orders with payments (bulk insert) ...")
    seed_orders(args.orders)

    print(f"\nBackfill of {args.orders:,} orders, batches of {args.batch_size}, {args.rounds} rounds:")
    ratios, rounds = [], []
    for number in range(1, args.rounds + 1):
        results = measure_backfill(args.batch_size)
        rounds.append(results)
        ratios.append(results["orders_backfill"][0] / results["bare bulk insert of OrderFact"][0])
        print(f"round {number}:")
        for name, (rate, cpu) in results.items():
            print(
                f"  {name:34} {rate:>8,.0f} rows/s   {cpu:6.1f} ms CPU per 1,000 rows (bench + reader processes)"
            )
        print(f"  orders_backfill / bare bulk insert: {ratios[-1]:.0%}")
    print("medians:")
    for name in rounds[0]:
        print(f"  {name:34} {statistics.median(r[name][0] for r in rounds):>8,.0f} rows/s")
    print(
        f"median ratio: orders_backfill {statistics.median(ratios):.0%} of the bare bulk insert (target >= 60%)"
    )

    print(
        f"\nProjection handler latency, deliver() in process, {args.events} events; each order event rebuilds"
    )
    print(f"a day of {args.orders:,}+ orders (inbox row on default + projection on reporting):")
    timings = measure_handlers(args.events)
    for event_type, values in timings.items():
        print(
            f"  {event_type:30} n={len(values):<5} p50 {statistics.median(values):6.2f} ms"
            f"   p99 {percentile(values, 0.99):6.2f} ms"
        )
    everything = [v for values in timings.values() for v in values]
    print(
        f"  {'all':30} n={len(everything):<5} p50 {statistics.median(everything):6.2f} ms   p99 {percentile(everything, 0.99):6.2f} ms"
    )


if __name__ == "__main__":
    main()
