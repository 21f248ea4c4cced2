"""Cached product detail and a cached filtered listing with facets under gunicorn, beside a
minimal Django JSON view in the same run.

    make bench-catalog        (or: .venv/bin/python bench/catalog.py --seconds 5 --rounds 3)

Starts gunicorn with docker/gunicorn.conf.py (2 workers x 4 threads) and bench settings (real
Redis cache; the catalog on mongomock unless MONGODB_URI is set), then alternates rounds of
load on GET /bench/minimal, GET /api/v1/products/<sku> (a cache hit after the first
request: no MongoDB, no SQL) and GET /api/v1/catalog/products with a category, a price range,
sort by price and its facets (the demo shop's products; a hit is three Redis round trips:
the page, the product contents, the SKU entries). The load generator is wrk (apt-get install wrk) on the same 2
cores, with connections closed every 50th request (a fraction of a second) so gunicorn's
gthread workers share them. It prints req/s and the ratio; it asserts nothing.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765


def measure(path: str, seconds: float) -> tuple[float, int]:
    """wrk: 2 threads, 16 connections, each closed every 50th request (bench/reconnect.lua)."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{int(seconds)}s",
            "-s",
            str(ROOT / "bench" / "reconnect.lua"),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def start_server() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CATALOG_EMBEDDED_PER_PROCESS": "true",  # one mongomock catalog per worker, on purpose
        "PORT": str(PORT),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "docker/gunicorn.conf.py",
            "--max-requests",
            "0",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sku", default="KIT-001")
    args = parser.parse_args()
    detail = f"/api/v1/products/{args.sku}"
    listing = "/api/v1/catalog/products?category=apparel&min_price=1000&sort=price&limit=20"
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench-catalog does it)")

    server = start_server()
    try:
        for path in ("/bench/minimal", detail, listing):  # warm-up: imports, connections, cache entries
            measure(path, 1)
        print("Machine: 2 cores shared by gunicorn (2 workers x 4 threads), Redis and the load")
        print("generator (wrk, 2 threads, 16 connections, each closed every 50th request).")
        print(
            f"\n{'round':>5}  {'minimal Django view':>20}  {'cached product detail':>22}  {'ratio':>6}"
            f"  {'cached filtered listing':>24}  {'ratio':>6}"
        )
        ratios, listing_ratios = [], []
        for round_number in range(1, args.rounds + 1):
            minimal, minimal_errors = measure("/bench/minimal", args.seconds)
            cached, cached_errors = measure(detail, args.seconds)
            listed, listed_errors = measure(listing, args.seconds)
            ratios.append(cached / minimal)
            listing_ratios.append(listed / minimal)
            bad = minimal_errors + cached_errors + listed_errors
            errors = f"  ({bad} non-200)" if bad else ""
            print(
                f"{round_number:>5}  {minimal:>14,.0f} req/s  {cached:>16,.0f} req/s  {cached / minimal:>6.0%}"
                f"  {listed:>18,.0f} req/s  {listed / minimal:>6.0%}{errors}"
            )
        print(f"median ratio, detail: {statistics.median(ratios):.0%} of the minimal view (target >= 75%)")
        print(
            f"median ratio, listing: {statistics.median(listing_ratios):.0%} of the minimal view (target >= 60%)"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
