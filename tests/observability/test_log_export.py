"""Log lines go to the collector over OTLP too (OTEL_LOGS_EXPORTER=otlp), the same line as stdout."""

import json
import logging

import pytest
import structlog
from opentelemetry import trace
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from config.logs import OTLPLogHandler
from tests.config.test_settings import run_python
from tests.notifications.receiver import Receiver
from tests.telemetry import json_lines

EXPORTER_LOGGER = "opentelemetry.exporter.otlp.proto.http._log_exporter"


@pytest.fixture
def exported():
    """A logger with the OTLP handler (exporting to memory) beside a stdout-like stream."""
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "commerce-test"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    otlp = OTLPLogHandler(logger_provider=provider)
    with json_lines("tests.log_export", EXPORTER_LOGGER, handlers=(otlp,)) as stream:
        yield exporter, stream
    provider.shutdown()


def test_each_line_is_exported_as_stdout_prints_it_with_its_trace(exported):
    exporter, stream = exported
    with trace.get_tracer(__name__).start_as_current_span("checkout") as span:
        structlog.get_logger("tests.log_export").info("order_placed", order_id=7, password="hunter2")
        logging.getLogger("tests.log_export").warning("disk %s", "full")
    context = span.get_span_context()

    records = [data.log_record for data in exporter.get_finished_logs()]
    bodies = [json.loads(record.body) for record in records]
    placed, disk = (json.loads(line) for line in stream.getvalue().splitlines())
    assert bodies[0] == placed
    # A stdlib logger's line is stamped by each handler's formatter: microseconds apart.
    assert {**bodies[1], "timestamp": None} == {**disk, "timestamp": None}
    assert (placed["event"], placed["order_id"], placed["password"]) == ("order_placed", 7, "[redacted]")
    assert disk["event"] == "disk full"
    for record, line in zip(records, (placed, disk), strict=True):
        assert (record.trace_id, record.span_id) == (context.trace_id, context.span_id)
        assert line["trace_id"] == format(context.trace_id, "032x")
        assert dict(record.attributes) == {}  # everything is in the line
    assert [record.severity_text for record in records] == ["INFO", "WARN"]
    assert exporter.get_finished_logs()[0].resource.attributes["service.name"] == "commerce-test"


def test_an_exception_keeps_its_type_as_an_attribute(exported):
    exporter, _ = exported
    try:
        raise ValueError("no such product")
    except ValueError:
        logging.getLogger("tests.log_export").exception("lookup_failed")

    (data,) = exporter.get_finished_logs()
    assert data.log_record.attributes["exception.type"] == "ValueError"
    assert "no such product" in data.log_record.body


def test_the_exporters_own_lines_are_not_sent_back_through_it(exported):
    exporter, stream = exported
    logging.getLogger(EXPORTER_LOGGER).warning("export_failed")

    assert "export_failed" in stream.getvalue()
    assert exporter.get_finished_logs() == ()


# A worker's order: Django configures logging first, telemetry starts at worker_init.
WORKER_STARTUP = """
import django, structlog
from opentelemetry import trace
django.setup()
from config.telemetry import configure_telemetry
configure_telemetry(component="worker")
with trace.get_tracer("test").start_as_current_span("task"):
    structlog.get_logger("apps.orders").info("order_placed", order_id=7)
"""


def test_with_otel_logs_exporter_otlp_a_process_posts_its_lines_to_the_collector():
    with Receiver() as collector:
        endpoint = collector.url.removesuffix("/hooks")
        result = run_python(
            WORKER_STARTUP,
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "LOG_FORMAT": "json",
                "OTEL_LOGS_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                "OTEL_SERVICE_NAME": "commerce-worker",
                "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "django,celery,psycopg,redis,pymongo,requests",
            },
        )
        posts = [r for r in collector.requests if r.path == "/v1/logs"]

    assert result.returncode == 0, result.stderr
    # The "stdout" handler is a plain StreamHandler: the line is on stderr.
    stdout_line = next(line for line in result.stderr.splitlines() if '"order_placed"' in line)
    request = ExportLogsServiceRequest()
    for post in posts:
        request.MergeFromString(post.body)
    records = [
        (rl.resource, r) for rl in request.resource_logs for sl in rl.scope_logs for r in sl.log_records
    ]
    (resource, record), *_ = [(res, r) for res, r in records if '"order_placed"' in r.body.string_value]
    assert record.body.string_value == stdout_line
    assert record.trace_id.hex() == json.loads(stdout_line)["trace_id"]
    service = {a.key: a.value.string_value for a in resource.attributes}["service.name"]
    assert service == "commerce-worker"
