"""What telemetry costs: POST /api/v1/orders with tracing + metrics on, and with both off, same run.

    make bench-overhead      (or: .venv/bin/python bench/overhead.py --seconds 5 --rounds 3)

Four gunicorn servers (docker/gunicorn.conf.py, 2 workers x 4 threads each) run side by side on
the bench database of bench/orders.py; wrk loads one at a time, the order reversing every round
so drift on this shared machine favours none of them:

  on   every span recorded (the default sampler) and exported over OTLP/HTTP by the SDK's batch
       processor to a local sink that reads and drops each export, as a collector would take it;
       request metrics in prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR), as in
       docker/compose.yaml;
  sampled  the same with OTEL_TRACES_SAMPLER=parentbased_traceidratio and ARG 0.1: one new trace
       in ten is recorded (an incoming sampled traceparent is still followed);
  statements  "on" plus a span per SQL statement and per Redis command (OTEL_STATEMENT_SPANS=true;
       off by default since issue 20): what that lever costs;
  off  OTEL_SDK_DISABLED=true (no provider, no instrumentation) and METRICS_ENABLED=false.

With --breakdown, four more servers split the cost: tracing only, metrics only, every trace
recorded but not exported (no span processor: what the batch processor's encoding and export
cost in the web process), and "batched": "on" with the batch span processor's batches and queue
four times the SDK's defaults, exported every 10 s instead of 5 s. It then places orders
in-process in one process per server's settings and prints the CPU per order of each.

The minimal Django view is measured on each too: its gap is the fixed cost per request. Needs
PostgreSQL, Redis, RabbitMQ and wrk, like bench/orders.py. Prints req/s and p50/p99 per round,
and each server's throughput as a share of the off server's (per round and the median), ending
with "throughput with telemetry = X % of without" against the target (overhead <= 15 %); asserts
nothing. The sink and wrk share the 2 cores with the servers and the stores.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.orders import ROOT, Result, measure, prepare, start_server

PORTS = {
    "on": 8767,
    "off": 8768,
    "sampled": 8771,
    "statements": 8772,
    "tracing": 8769,
    "metrics": 8770,
    "unexported": 8773,
    "batched": 8774,
}
TARGETS = {"POST /orders": "POST /orders", "minimal": "minimal"}  # bench/orders.py's targets
TARGET_OVERHEAD = 0.15  # issue 20: every trace + metrics costs POST /orders at most 15 % of its throughput
# The batch span processor's lever: four times the SDK's default batch (512 spans) and queue, half
# as many exports (schedule 5 s -> 10 s): fewer, larger OTLP requests from each worker.
BIGGER_BATCHES = {
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2048",
    "OTEL_BSP_MAX_QUEUE_SIZE": "8192",
    "OTEL_BSP_SCHEDULE_DELAY": "10000",
}
WHAT = {
    "on": "every trace + metrics (the defaults)",
    "statements": "every trace with SQL and Redis spans + metrics",
    "sampled": "1 new trace in 10 + metrics",
    "off": "telemetry off",
    "tracing": "every trace, no metrics",
    "metrics": "metrics only, no tracing",
    "unexported": "every trace recorded, not exported + metrics",
    "batched": "every trace + metrics, batches of 2,048 every 10 s",
}


class _Sink(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and drops them."""

    spans_bytes = 0

    def do_POST(self) -> None:
        _Sink.spans_bytes += len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def start_sink() -> ThreadingHTTPServer:
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    return sink


def server_env(mode: str, sink_port: int, metrics_dir: str) -> dict[str, str]:
    tracing = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}",
        "OTEL_SERVICE_NAME": "commerce-bench",
    }
    metrics = {"PROMETHEUS_MULTIPROC_DIR": f"{metrics_dir}/{mode}"}
    os.makedirs(metrics["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    sampled = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
    return {
        "on": {**tracing, **metrics},
        "sampled": {**tracing, **sampled, **metrics},
        "statements": {**tracing, **metrics, "OTEL_STATEMENT_SPANS": "true"},
        "tracing": {**tracing, "METRICS_ENABLED": "false"},
        "metrics": {**metrics, "OTEL_SDK_DISABLED": "true"},
        "unexported": {"OTEL_SERVICE_NAME": "commerce-bench", **metrics},  # no endpoint: no processor
        "batched": {**tracing, **metrics, **BIGGER_BATCHES},
        "off": {"OTEL_SDK_DISABLED": "true", "METRICS_ENABLED": "false"},
    }[mode]


def cpu_worker(orders: int) -> None:
    """In this process, with telemetry as its environment says (set up before Django, as
    config/wsgi.py does): place orders through Django's test client and print the CPU per order,
    the span export included (the provider is flushed before the clock stops)."""
    from config.telemetry import configure_telemetry

    configure_telemetry(component="web")
    import django

    django.setup()
    from django.test import Client
    from opentelemetry import trace

    from bench.orders import bodies, place_in_process

    token, client, lines = os.environ["BENCH_TOKEN"], Client(HTTP_HOST="127.0.0.1"), bodies().splitlines()
    flush = getattr(trace.get_tracer_provider(), "force_flush", lambda: True)
    for number in range(20):  # warm-up: imports, connections, caches
        place_in_process(client, token, lines[number % 2])
    flush()
    started = time.process_time()
    for number in range(orders):
        place_in_process(client, token, lines[number % 2])
    flush()
    print(json.dumps({"cpu_ms": (time.process_time() - started) * 1000 / orders}))


def cpu_per_order(modes: list[str], token: str, sink_port: int, metrics_dir: str, orders: int) -> dict:
    """CPU ms per order in a process of each mode's settings, twice each (the second pass in
    reverse order): what a lever costs in CPU, steadier than req/s on a shared machine."""
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    for order in (modes, modes[::-1]):
        for mode in order:
            env = {**os.environ, **server_env(mode, sink_port, metrics_dir), "BENCH_TOKEN": token}
            out = subprocess.run(
                [sys.executable, __file__, "--cpu-worker", str(orders)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            cpu[mode].append(json.loads(out.strip().splitlines()[-1])["cpu_ms"])
    return cpu


def print_cpu(cpu: dict[str, list[float]], orders: int) -> None:
    off = statistics.median(cpu["off"])
    print(f"\nIn process, CPU per POST /orders ({orders} orders through Django's test client, one thread,")
    print("spans exported to the sink and flushed; median of two processes per server):")
    for mode, values in cpu.items():
        median = statistics.median(values)
        extra = "" if mode == "off" else f"  {median - off:+5.2f} ms ({median / off - 1:+.0%} of off)"
        print(f"  {mode:>10}  {median:6.2f} ms{extra}   ({', '.join(f'{v:.2f}' for v in values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also tracing only, metrics only, unexported and bigger batches; and CPU per order in process",
    )
    parser.add_argument("--orders", type=int, default=200, help="orders per process for the CPU figures")
    parser.add_argument("--cpu-worker", type=int, metavar="ORDERS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu_worker:
        cpu_worker(args.cpu_worker)
        return
    modes = [
        "on",
        "statements",
        "sampled",
        "off",
        *(["tracing", "metrics", "unexported", "batched"] if args.breakdown else []),
    ]

    token = prepare()
    sink = start_sink()
    metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
    servers = {
        mode: start_server(port, server_env(mode, sink.server_address[1], metrics_dir))
        for mode, port in PORTS.items()
        if mode in modes
    }
    print(
        f"Machine: 2 cores shared by {len(modes)} gunicorn servers (2 workers x 4 threads each; one is loaded"
    )
    print("at a time), PostgreSQL, Redis, RabbitMQ, the OTLP sink and wrk (2 threads, 16 connections,")
    print("each closed every 50th request). Catalog on mongomock unless MONGODB_URI is set.")
    try:
        for mode in modes:  # warm-up: imports, connections, every worker's bench catalog
            for target in TARGETS.values():
                measure(target, 2, token, PORTS[mode])
        results: dict[tuple[str, str], list[Result]] = {(t, m): [] for t in TARGETS for m in modes}
        print(
            f"\n{'round':>5}  {'target':>13}  {'server':>10}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}"
        )
        for round_number in range(1, args.rounds + 1):
            order = modes if round_number % 2 else modes[::-1]
            for target in TARGETS:
                for mode in order:
                    result = measure(TARGETS[target], args.seconds, token, PORTS[mode])
                    results[(target, mode)].append(result)
                    print(
                        f"{round_number:>5}  {target:>13}  {mode:>10}  {result.rate:>7,.0f}  {result.p50:>7.1f}"
                        f"  {result.p99:>7.1f}  {result.errors:>7}"
                    )
        print_summary(results, modes)
        print(f"\nOTLP received by the sink: {_Sink.spans_bytes / 1e6:.1f} MB")
        if args.breakdown:
            cpu = cpu_per_order(modes, token, sink.server_address[1], metrics_dir, args.orders)
            print_cpu(cpu, args.orders)
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        sink.shutdown()


def share_of_off(results: dict[tuple[str, str], list[Result]], target: str, mode: str) -> list[float]:
    """Per round: the mode's req/s as a share of the off server's, measured back to back."""
    return [
        a.rate / b.rate if b.rate else 0.0
        for a, b in zip(results[(target, mode)], results[(target, "off")], strict=True)
    ]


def print_summary(results: dict[tuple[str, str], list[Result]], modes: list[str]) -> None:
    print("\nservers:")
    for mode in modes:
        print(f"  {mode:>10}  {WHAT[mode]}")
    print("\nmedian over rounds:")
    for target in TARGETS:
        for mode in modes:
            runs = results[(target, mode)]
            print(
                f"  {target:>13} {mode:>10}  {statistics.median(r.rate for r in runs):>7,.0f} req/s"
                f"  p50 {statistics.median(r.p50 for r in runs):>6.1f} ms"
                f"  p99 {statistics.median(r.p99 for r in runs):>6.1f} ms  non-2xx {sum(r.errors for r in runs)}"
            )
    print("\nthroughput with telemetry as a share of without (median of per-round shares; rounds):")
    for target in TARGETS:
        for mode in (m for m in modes if m != "off"):
            shares = share_of_off(results, target, mode)
            print(
                f"  {target:>13}  {WHAT[mode]:<50} {statistics.median(shares):>5.0%} of off"
                f"  ({', '.join(f'{s:.0%}' for s in shares)})"
            )
    share = statistics.median(share_of_off(results, "POST /orders", "on"))
    overhead = 1 - share
    verdict = "met" if overhead <= TARGET_OVERHEAD else "MISSED"
    print(
        f"\nPOST /orders: throughput with telemetry (every trace + metrics) = {share:.0%} of without;"
        f" overhead {overhead:.0%} (target <= {TARGET_OVERHEAD:.0%}: {verdict})."
    )


if __name__ == "__main__":
    main()
