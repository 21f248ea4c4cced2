"""Finished spans kept in memory while a test asks for them (the SDK's in-memory exporter, switched),
and log lines rendered as production renders them."""

import io
import logging
import logging.config
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
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


def json_formatter() -> logging.Formatter:
    """The formatter settings give the stdout handler in production (LOG_FORMAT=json)."""
    config = dict(settings.LOGGING["formatters"]["json"])
    return logging.config.DictConfigurator({}).configure_formatter(config)


@contextmanager
def json_lines(*logger_names: str, handlers: tuple[logging.Handler, ...] = ()) -> Iterator[io.StringIO]:
    """What these loggers write while the block runs, as production's stdout would have it;
    `handlers` are attached beside, with the same formatter."""
    stream = io.StringIO()
    attached = [logging.StreamHandler(stream), *handlers]
    for handler in attached:
        handler.setFormatter(json_formatter())
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
        for handler in attached:
            logger.addHandler(handler)
    try:
        yield stream
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            for handler in attached:
                logger.removeHandler(handler)
            logger.setLevel(level)
