import json
import uuid
from datetime import timedelta

import pytest
from cloudevents.core.formats.json import JSONFormat
from django.db import transaction
from django.utils import timezone
from opentelemetry.sdk.trace import TracerProvider

from apps.events.models import OutboxEvent
from apps.events.public import OutsideTransaction, outbox_backlog
from apps.events.relay import purge_published, relay_batch
from tests.events.probe import signals
from tests.events.probe.services import thing_do

pytestmark = pytest.mark.django_db


def test_a_signal_sent_in_a_transaction_writes_one_cloudevents_row():
    subject = thing_do(note="hello", amount=1999)

    row = OutboxEvent.objects.get()
    envelope = row.envelope
    assert (row.type, row.subject, str(row.event_id), row.published_at) == (
        "probe.ThingHappened.v1",
        subject,
        envelope["id"],
        None,
    )
    assert uuid.UUID(envelope["id"])
    assert {k: v for k, v in envelope.items() if k not in ("id", "time")} == {
        "specversion": "1.0",
        "source": "/commerce/probe",
        "type": "probe.ThingHappened.v1",
        "subject": subject,
        "datacontenttype": "application/json",
        "data": {"note": "hello", "amount": 1999},
        "aggregateversion": 1,
        "traceparent": "",
        "tracestate": "",
    }
    assert envelope["time"].endswith("Z")
    # The CloudEvents SDK reads it as a valid 1.0 event, extension attributes included.
    event = JSONFormat().read(None, json.dumps(envelope))
    attributes = event.get_attributes()
    assert (attributes["type"], attributes["subject"], attributes["aggregateversion"]) == (
        "probe.ThingHappened.v1",
        subject,
        1,
    )
    assert event.get_data() == {"note": "hello", "amount": 1999}


def test_the_envelope_carries_the_current_trace_context():
    tracer = TracerProvider().get_tracer("test")

    with tracer.start_as_current_span("request") as span:
        thing_do(note="traced")

    context = span.get_span_context()
    expected = f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    assert OutboxEvent.objects.get().envelope["traceparent"] == expected


def test_an_event_sent_in_a_rolled_back_transaction_never_exists():
    with pytest.raises(RuntimeError), transaction.atomic():
        thing_do(note="doomed")
        raise RuntimeError("the service failed after sending")

    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as outside a service
def test_sending_outside_a_transaction_is_refused():
    with pytest.raises(
        OutsideTransaction, match=r"send probe.ThingHappened.v1 inside transaction.atomic\(\)"
    ):
        signals.thing_happened.send(sender=None, subject="x", aggregate_version=1, data={})

    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize("version", [0, -1, "2", None])
def test_aggregate_version_must_be_a_positive_int(version):
    with pytest.raises(ValueError, match="aggregate_version must be a positive int"):
        thing_do(version=version)
    assert OutboxEvent.objects.count() == 0


def test_event_data_must_be_json_shaped():
    with pytest.raises(TypeError, match="event data must be a dataclass or a dict"), transaction.atomic():
        signals.thing_happened.send(sender=None, subject="x", aggregate_version=1, data=["not", "a", "dict"])


def test_a_declared_event_type_is_sent_as_its_event_data_class_not_a_dict():
    from apps.payments.event_data import PaymentCapturedData, PaymentData
    from apps.payments.signals import payment_voided

    fields = {
        "payment_id": str(uuid.uuid4()),
        "order_id": str(uuid.uuid4()),
        "provider": "sandbox",
        "status": "voided",
        "currency": "EUR",
        "amount_authorized": 100,
        "amount_captured": 0,
        "amount_refunded": 0,
    }
    for data, what in (
        (fields, "dict"),  # the shape is right, but nothing checked its names where it was built
        (PaymentCapturedData(**fields, captured=0), "PaymentCapturedData"),  # another event's class
    ):
        with pytest.raises(TypeError, match=f"must be a PaymentData, not {what}"), transaction.atomic():
            payment_voided.send(sender=None, subject="p", aggregate_version=2, data=data)
    assert OutboxEvent.objects.count() == 0

    with transaction.atomic():
        payment_voided.send(sender=None, subject="p", aggregate_version=2, data=PaymentData(**fields))
    assert OutboxEvent.objects.get().envelope["data"] == fields


def test_event_types_must_follow_the_naming_convention():
    from apps.events.public import domain_signal

    with pytest.raises(ValueError, match=r"must look like 'module\.EventName\.v1'"):
        domain_signal("OrderCreated")


def test_an_event_nobody_subscribes_to_is_published_and_counted_where_it_arrives(monkeypatch):
    """The relay knows no subscribers (another deployment may have some); a worker that receives
    an event none of its handlers subscribes to (a binding left from a removed one) counts it."""
    from apps.events import metrics
    from apps.events.tasks import dispatch_many

    before = metrics.events_unrouted.labels("probe.UnheardThing.v1")._value.get()
    thing_do(signal=signals.unheard_thing)
    published = []
    monkeypatch.setattr(dispatch_many, "apply_async", lambda args, **options: published.append(args[0]))

    assert relay_batch(batch_size=10) == 1

    assert OutboxEvent.objects.get().published_at is not None
    [chunk] = published
    assert dispatch_many.run(chunk) == []
    assert metrics.events_unrouted.labels("probe.UnheardThing.v1")._value.get() == before + 1


def test_purge_deletes_only_published_rows_past_retention(settings):
    settings.EVENTS_OUTBOX_RETENTION = timedelta(days=7)
    for _ in range(3):
        thing_do(signal=signals.unheard_thing)
    old, recent, pending = OutboxEvent.objects.order_by("id")
    OutboxEvent.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=8))
    OutboxEvent.objects.filter(pk=recent.pk).update(published_at=timezone.now() - timedelta(days=6))

    assert purge_published() == (1, 0)

    assert list(OutboxEvent.objects.order_by("id").values_list("pk", flat=True)) == [recent.pk, pending.pk]


def test_backlog_counts_due_and_scheduled_rows():
    for _ in range(2):
        thing_do(signal=signals.unheard_thing)
    first, second = OutboxEvent.objects.order_by("id")
    OutboxEvent.objects.filter(pk=first.pk).update(available_at=timezone.now() - timedelta(minutes=5))
    OutboxEvent.objects.filter(pk=second.pk).update(available_at=timezone.now() + timedelta(minutes=5))

    backlog = outbox_backlog()

    assert (backlog.pending, backlog.scheduled) == (1, 1)
    assert timedelta(minutes=5) <= backlog.oldest_pending_age < timedelta(minutes=6)


def test_the_outbox_is_vacuumed_early_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("autovacuum settings exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'events_outboxevent'")
        (options,) = cursor.fetchone()

    assert set(options) == {
        "autovacuum_vacuum_scale_factor=0.0",
        "autovacuum_vacuum_threshold=5000",
        "autovacuum_analyze_scale_factor=0.0",
        "autovacuum_analyze_threshold=5000",
    }
