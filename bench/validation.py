"""What validating outgoing events costs POST /api/v1/orders (EVENTS_VALIDATE_ON_SEND), same run.

    make bench-validation    (or: .venv/bin/python bench/validation.py --seconds 5 --rounds 5)

Two gunicorn servers of bench/orders.py (docker/gunicorn.conf.py, 2 workers x 4 threads each) on
its bench database, one with EVENTS_VALIDATE_ON_SEND=true (every event a request sends is checked
strictly against its schema before its outbox row is written), one with it off. wrk loads one at a
time, the order reversing every round so drift on this shared machine favours neither. Also times
the check itself in this process on the envelopes one real order sends (OrderCreated,
PaymentAuthorized), which a busy machine blurs far less than req/s. Prints both; asserts nothing.
"""

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.orders import Result, bodies, measure, place_in_process, prepare, start_server

# This process places its orders unvalidated (the servers get the setting each); it is read when
# prepare() sets Django up.
os.environ["EVENTS_VALIDATE_ON_SEND"] = "false"

PORTS = {"validated": 8772, "unvalidated": 8773}
TARGET = "POST /orders"


def check_cost(token: str, orders: int = 100, repeat: int = 2000) -> tuple[int, float, float]:
    """In this process: (events one order sends, µs to validate them all, µs one whole POST /orders
    takes through Django's test client, validation off)."""
    from django.test import Client

    from apps.events import validation
    from apps.events.models import OutboxEvent

    client, body = Client(HTTP_HOST="127.0.0.1"), bodies().splitlines()[1]
    placed = place_in_process(client, token, body)  # warm: first connection, imports
    started = time.perf_counter()
    for _ in range(orders):
        place_in_process(client, token, body)
    per_order = (time.perf_counter() - started) / orders * 1e6
    subjects = [placed["id"], placed["payment_id"]]
    envelopes = [e.envelope for e in OutboxEvent.objects.filter(subject__in=subjects, handler="")]
    for envelope in envelopes:
        validation.validate_emitted(envelope)  # warm: schemas read and closed once per process
    started = time.perf_counter()
    for _ in range(repeat):
        for envelope in envelopes:
            validation.validate_emitted(envelope)
    return len(envelopes), (time.perf_counter() - started) / repeat * 1e6, per_order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    token = prepare()
    events, micros, per_order = check_cost(token)
    print(
        f"In-process: validating the {events} events of one order takes {micros:.0f} µs; one POST /orders"
        f" takes {per_order / 1000:.1f} ms (validation off): {micros / per_order:.1%} of it."
    )
    servers = {
        mode: start_server(port, {"EVENTS_VALIDATE_ON_SEND": str(mode == "validated").lower()})
        for mode, port in PORTS.items()
    }
    print("Machine: 2 cores shared by 2 gunicorn servers (one loaded at a time), PostgreSQL, Redis,")
    print("RabbitMQ and wrk (2 threads, 16 connections, each closed every 50th request).")
    try:
        for port in PORTS.values():  # warm-up: imports, connections, every worker's bench catalog
            measure(TARGET, 2, token, port)
        results: dict[str, list[Result]] = {mode: [] for mode in PORTS}
        print(f"\n{'round':>5}  {'mode':>11}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}")
        for round_number in range(1, args.rounds + 1):
            order = list(PORTS) if round_number % 2 else list(PORTS)[::-1]
            for mode in order:
                result = measure(TARGET, args.seconds, token, PORTS[mode])
                results[mode].append(result)
                print(
                    f"{round_number:>5}  {mode:>11}  {result.rate:>7,.0f}  {result.p50:>7.1f}"
                    f"  {result.p99:>7.1f}  {result.errors:>7}"
                )
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print_summary(results)


def print_summary(results: dict[str, list[Result]]) -> None:
    print("\nmedian over rounds:")
    for mode, runs in results.items():
        print(
            f"  {mode:>11}  {statistics.median(r.rate for r in runs):>7,.0f} req/s"
            f"  p50 {statistics.median(r.p50 for r in runs):>6.1f} ms  non-2xx {sum(r.errors for r in runs)}"
        )
    pairs = zip(results["validated"], results["unvalidated"], strict=True)
    ratios = [a.rate / b.rate for a, b in pairs if b.rate > 0]  # 0: the machine was too busy to answer
    ratio = statistics.median(ratios)
    print(f"POST /orders with validation on runs at {ratio:.1%} of off ({1 - ratio:+.1%} slower;")
    print(f"per-round ratios {', '.join(f'{r:.1%}' for r in ratios)}). Target: under 2% slower.")


if __name__ == "__main__":
    main()
