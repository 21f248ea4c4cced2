"""POST /api/v1/checkouts/{id}/complete under gunicorn, beside the minimal-order view and
POST /orders in the same run: bench/orders.py's method, server, wrk settings and helpers.

    make bench-checkout      (or: .venv/bin/python bench/checkout.py --seconds 5 --rounds 3)

Needs what bench/orders.py needs (PostgreSQL, Redis, RabbitMQ, wrk) and uses its database
(commerce_bench). Before the server starts it sets up a German shop (a zone, a weight-priced
method, 19 % tax, a voucher without limits) and, in-process, enough checkouts ready to complete
(two lines of the bench SKUs, an address, the method, the voucher, the total read once); it
counts the SQL statements of one completion placed in-process. Each wrk request then completes
one of those checkouts (bench/post.lua) with a fresh Idempotency-Key: re-pricing from the
catalog, the voucher's conditional use, stock reserve and commit, the sandbox authorization, the
order. Prints orders/s, p50/p99, ratios and non-2xx counts; asserts nothing.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.orders import (
    CUSTOMER,
    PORT,
    TARGETS,
    Result,
    measure,
    prepare,
    print_header,
    print_medians,
    start_server,
)

COMPLETE = "complete"
CHECKOUT_TARGETS = {
    "minimal order": TARGETS["minimal order"],
    "POST /orders": TARGETS["POST /orders"],
    COMPLETE: ("/api/v1/checkouts", "post.lua"),
}
BODY = json.dumps({"payment": {"provider": "sandbox", "method": "pm_sandbox_ok"}})
ADDRESS = {
    "name": "Bench",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


def set_up_shop() -> int:
    """Zone, method, tax rate and voucher (idempotent); the method's id."""
    from decimal import Decimal

    from apps.checkout.models import ShippingMethod, ShippingWeightBand, ShippingZone, TaxRate, Voucher

    zone, _ = ShippingZone.objects.get_or_create(name="Bench DE", defaults={"countries": ["DE"]})
    method, _ = ShippingMethod.objects.get_or_create(
        zone=zone, name="Bench parcel", defaults={"rule": "weight"}
    )
    ShippingWeightBand.objects.get_or_create(method=method, max_weight_grams=10**6, defaults={"price": 490})
    TaxRate.objects.get_or_create(country="DE", tax_class="", defaults={"rate": Decimal("19.00")})
    Voucher.objects.get_or_create(code="BENCH10", defaults={"kind": "percentage", "percentage": Decimal(10)})
    return method.pk


def ready_checkouts(count: int, method_id: int) -> list[str]:
    """`count` checkouts of the bench customer ready to complete, made through the services."""
    import bench.urls  # noqa: F401 - stocks the bench SKUs in this process's catalog too
    from apps.accounts.public import account_get_by_email
    from apps.checkout import services
    from apps.checkout.selectors import quote

    account = account_get_by_email(email=CUSTOMER)
    ids = []
    for _ in range(count):
        checkout, _ = services.checkout_create(email=account.email, customer_id=account.id)
        services.line_add(checkout=checkout, sku="BENCH-1", quantity=1)
        services.line_add(checkout=checkout, sku="BENCH-3", quantity=2)
        checkout = services.details_set(checkout=checkout, shipping_address=ADDRESS)
        checkout = services.shipping_method_set(checkout=checkout, method_id=method_id)
        checkout = services.voucher_apply(checkout=checkout, code="BENCH10")
        services.quote_shown(quote(checkout))
        ids.append(str(checkout.pk))
    return ids


def statements_per_completion(token: str, checkout_id: str) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST="127.0.0.1").post(
            f"/api/v1/checkouts/{checkout_id}/complete",
            BODY,
            content_type="application/json",
            headers={"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex},
        )
    if response.status_code != 201:
        raise SystemExit(f"in-process completion failed: {response.status_code} {response.content[:600]}")
    return [query["sql"] for query in queries.captured_queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkouts", type=int, default=0, help="per wrk run (default: 150 per second)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench-checkout does it)")

    token = prepare()
    method_id = set_up_shop()
    warm_up, first = ready_checkouts(2, method_id)
    statements_per_completion(token, warm_up)  # the first pays for one-time work
    statements = statements_per_completion(token, first)
    print_header(statements, what="checkout completion", target="")
    per_run = args.checkouts or 150 * args.seconds
    print(f"\nPreparing {per_run} checkouts per wrk run ({args.rounds + 1} runs) ...", flush=True)
    runs = [ready_checkouts(per_run, method_id) for _ in range(args.rounds + 1)]
    server = start_server()
    try:
        with tempfile.TemporaryDirectory() as directory:
            results = run_rounds(args, token, runs, Path(directory))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print_summary(results)


def run_rounds(args, token: str, runs: list[list[str]], directory: Path) -> dict[str, list[Result]]:
    def paths_env(ids: list[str]) -> dict:
        file = directory / f"{uuid.uuid4().hex}.txt"
        file.write_text("".join(f"/api/v1/checkouts/{i}/complete\n" for i in ids))
        return {"BENCH_PATHS_FILE": str(file), "BENCH_BODIES": BODY, "BENCH_THREADS": "2"}

    def run(target: str, seconds: float, ids: list[str]) -> Result:
        env = paths_env(ids) if target == COMPLETE else None
        return measure(target, seconds, token, PORT, targets=CHECKOUT_TARGETS, env=env)

    for target in CHECKOUT_TARGETS:  # warm-up: imports, connections, every worker's bench catalog
        run(target, 2, runs[0])
    print(f"\n{'round':>5}  {'':>13}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}")
    results: dict[str, list[Result]] = {target: [] for target in CHECKOUT_TARGETS}
    for round_number in range(1, args.rounds + 1):
        for target in CHECKOUT_TARGETS:
            result = run(target, args.seconds, runs[round_number])
            results[target].append(result)
            print(
                f"{round_number:>5}  {target:>13}  {result.rate:>7,.0f}  {result.p50:>7.1f}"
                f"  {result.p99:>7.1f}  {result.errors:>7}"
            )
    return results


def print_summary(results: dict[str, list[Result]]) -> None:
    print_medians(results)
    completions = [result.rate for result in results[COMPLETE]]
    for reference in ("minimal order", "POST /orders"):
        ratio = statistics.median(
            c / r.rate if r.rate else 0.0 for c, r in zip(completions, results[reference], strict=True)
        )
        print(f"checkout completion: {ratio:.0%} of {reference}")


if __name__ == "__main__":
    main()
