"""The claim of a batch of deliveries: due ones only, leases respected, rows another worker holds
skipped. On PostgreSQL one UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING; every
test also runs the portable claim (select_for_update, then UPDATE) that other databases take."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryStatus
from tests.notifications.conftest import make_endpoint
from tests.notifications.test_webhooks import payment_event


@pytest.fixture(params=["one statement", "portable"])
def claim_path(request, monkeypatch) -> str:
    if request.param == "portable":
        monkeypatch.setattr(services, "_claims_in_one_statement", lambda using: False)
    return request.param


def deliveries(count: int) -> list[Delivery]:
    make_endpoint("https://hooks.example.com/in", "payments.*")
    return [d for _ in range(count) for d in services.deliveries_fan_out(envelope=payment_event())]


@pytest.mark.django_db
def test_a_claim_leases_the_due_deliveries_and_leaves_the_rest(claim_path):
    now = timezone.now()
    pending, later, leased, expired, done = deliveries(5)
    Delivery.objects.filter(pk=later.pk).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now + timedelta(hours=1)
    )
    Delivery.objects.filter(pk=leased.pk).update(
        status=DeliveryStatus.SENDING, lease_until=now + timedelta(minutes=1), attempts=1
    )
    Delivery.objects.filter(pk=expired.pk).update(
        status=DeliveryStatus.SENDING, lease_until=now - timedelta(seconds=1), attempts=1
    )
    Delivery.objects.filter(pk=done.pk).update(status=DeliveryStatus.SUCCEEDED)

    with CaptureQueriesContext(connection) as queries:
        claimed = services._claim([d.pk for d in (done, expired, leased, later, pending)])

    assert [(d.pk, d.previous_status, d.status, d.attempts) for d in claimed] == [
        (pending.pk, DeliveryStatus.PENDING, DeliveryStatus.SENDING, 1),
        (expired.pk, DeliveryStatus.SENDING, DeliveryStatus.SENDING, 2),  # its worker died: taken over
    ]
    assert all(d.endpoint.url == "https://hooks.example.com/in" for d in claimed)  # loaded with it
    rows = {d.pk: (d.status, d.attempts) for d in Delivery.objects.all()}
    assert rows[pending.pk] == (DeliveryStatus.SENDING, 1)
    assert rows[expired.pk] == (DeliveryStatus.SENDING, 2)
    assert rows[leased.pk] == (DeliveryStatus.SENDING, 1)  # a live lease: another worker is on it
    assert rows[later.pk] == (DeliveryStatus.RETRYING, 0)
    assert rows[done.pk] == (DeliveryStatus.SUCCEEDED, 0)
    lease = Delivery.objects.get(pk=pending.pk).lease_until
    assert lease > now + timedelta(seconds=30)
    # The claim, then the endpoints: 2 statements; the portable one is BEGIN, SELECT, UPDATE, COMMIT
    # (inside the test's transaction: a savepoint, SELECT, UPDATE, its release).
    assert len(queries) == (2 if claim_path == "one statement" else 4)


# serialized_rollback, as every transactional test here: the role groups come back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_skips_the_deliveries_another_worker_has_locked(claim_path):
    held, free = deliveries(2)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                list(Delivery.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        claimed = services._claim([held.pk, free.pk])  # does not wait for the lock
    finally:
        release.set()
        thread.join(timeout=30)

    assert [d.pk for d in claimed] == [free.pk]
    assert Delivery.objects.get(pk=held.pk).status == DeliveryStatus.PENDING
    assert [d.pk for d in services._claim([held.pk, free.pk])] == [held.pk]  # free again
