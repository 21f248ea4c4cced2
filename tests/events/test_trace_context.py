"""Trace context around publishing: a publish that fails must not leave its span current."""

import pytest
from kombu import Connection
from kombu.exceptions import OperationalError
from opentelemetry import trace

from apps.events.public import restoring_context
from apps.events.tasks import relay

tracer = trace.get_tracer(__name__)


def test_a_publish_that_fails_leaves_the_callers_span_current():
    closed_port = Connection("amqp://guest:guest@127.0.0.1:1//", connect_timeout=0.5)

    with tracer.start_as_current_span("caller") as caller:
        with pytest.raises(OperationalError), restoring_context():
            relay.apply_async(connection=closed_port, retry=False)
        current = trace.get_current_span()

    # Celery's instrumentation made its publish span current before connecting, and never got to
    # detach it (after_task_publish is not sent for a publish that failed).
    assert current is caller
