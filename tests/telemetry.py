"""Finished spans kept in memory while a test asks for them (the SDK's in-memory exporter, switched)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class SpanRecorder(SimpleSpanProcessor):
    """Exports to memory only inside `recording()`: the rest of the suite keeps nothing."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self._on = threading.Event()
        super().__init__(self.exporter)

    @classmethod
    def install(cls) -> "SpanRecorder":
        recorder = cls()
        trace.get_tracer_provider().add_span_processor(recorder)
        return recorder

    def on_end(self, span: ReadableSpan) -> None:
        if self._on.is_set():
            super().on_end(span)

    @contextmanager
    def recording(self) -> Iterator["SpanRecorder"]:
        self.exporter.clear()
        self._on.set()
        try:
            yield self
        finally:
            self._on.clear()
            self.exporter.clear()

    @property
    def finished(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def trace_of(self, span: ReadableSpan) -> list[ReadableSpan]:
        return [s for s in self.finished if s.context.trace_id == span.context.trace_id]
