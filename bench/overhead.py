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

With --breakdown, three more servers split the cost: tracing only, metrics only, and every trace
recorded but not exported (no span processor: what the batch processor's encoding and export
cost in the web process).

The minimal Django view is measured on each too: its gap is the fixed cost per request. Needs
PostgreSQL, Redis, RabbitMQ and wrk, like bench/orders.py. Prints req/s, p50/p99 and the ratio
on/off per round and as medians; asserts nothing. The sink and wrk share the 2 cores with the
servers and the stores.
"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.orders import Result, measure, prepare, start_server

PORTS = {
    "on": 8767,
    "off": 8768,
    "sampled": 8771,
    "statements": 8772,
    "tracing": 8769,
    "metrics": 8770,
    "unexported": 8773,
}
TARGETS = {"POST /orders": "POST /orders", "minimal": "minimal"}  # bench/orders.py's targets


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
        "off": {"OTEL_SDK_DISABLED": "true", "METRICS_ENABLED": "false"},
    }[mode]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--breakdown", action="store_true", help="also tracing only and metrics only")
    args = parser.parse_args()
    modes = [
        "on",
        "statements",
        "sampled",
        "off",
        *(["tracing", "metrics", "unexported"] if args.breakdown else []),
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
            f"\n{'round':>5}  {'target':>13}  {'mode':>4}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}"
        )
        for round_number in range(1, args.rounds + 1):
            order = modes if round_number % 2 else modes[::-1]
            for target in TARGETS:
                for mode in order:
                    result = measure(TARGETS[target], args.seconds, token, PORTS[mode])
                    results[(target, mode)].append(result)
                    print(
                        f"{round_number:>5}  {target:>13}  {mode:>4}  {result.rate:>7,.0f}  {result.p50:>7.1f}"
                        f"  {result.p99:>7.1f}  {result.errors:>7}"
                    )
        print_summary(results, modes)
        print(f"\nOTLP received by the sink: {_Sink.spans_bytes / 1e6:.1f} MB")
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        sink.shutdown()


def print_summary(results: dict[tuple[str, str], list[Result]], modes: list[str]) -> None:
    print("\nmedian over rounds:")
    for target in TARGETS:
        for mode in modes:
            runs = results[(target, mode)]
            print(
                f"  {target:>13} {mode:>8}  {statistics.median(r.rate for r in runs):>7,.0f} req/s"
                f"  p50 {statistics.median(r.p50 for r in runs):>6.1f} ms"
                f"  p99 {statistics.median(r.p99 for r in runs):>6.1f} ms  non-2xx {sum(r.errors for r in runs)}"
            )
        off = results[(target, "off")]
        for mode in (m for m in modes if m != "off"):
            ratio = statistics.median(
                a.rate / b.rate for a, b in zip(results[(target, mode)], off, strict=True)
            )
            what = {
                "on": "tracing (every trace) + metrics",
                "statements": "tracing (every trace, SQL and Redis spans too) + metrics",
                "sampled": "tracing (1 trace in 10) + metrics",
                "tracing": "tracing only (every trace)",
                "metrics": "metrics only",
                "unexported": "every trace recorded, not exported + metrics",
            }[mode]
            print(f"  {target}: {what} runs at {ratio:.0%} of off, {1 - ratio:.0%} slower")
    on = statistics.median(
        a.rate / b.rate
        for a, b in zip(results[("POST /orders", "on")], results[("POST /orders", "off")], strict=True)
    )
    verdict = "met" if 1 - on <= 0.15 else "MISSED"
    print(
        f"Target: POST /orders with every trace + metrics at most 15% slower than off: {1 - on:.0%}, {verdict}."
    )
    print("Each ratio is the median of per-round ratios (each round loads the servers back to back).")


if __name__ == "__main__":
    main()
