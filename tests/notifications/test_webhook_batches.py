"""Webhooks in batches: one task per endpoint batch, one kept-alive connection, only failures retried."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.notifications import services, tasks
from apps.notifications.models import Delivery, DeliveryStatus
from tests.notifications.conftest import make_endpoint
from tests.notifications.receiver import Answer
from tests.notifications.test_webhooks import payment_event

pytestmark = pytest.mark.django_db


def fan_out(count: int) -> list[Delivery]:
    return [d for _ in range(count) for d in services.deliveries_fan_out(envelope=payment_event())]


def test_a_batch_goes_over_one_kept_alive_connection_each_request_signed(receiver):
    endpoint = make_endpoint(receiver.url, "payments.*")
    deliveries = fan_out(4)

    outcomes = services.deliveries_attempt(delivery_ids=[d.pk for d in deliveries])

    assert outcomes == {d.pk: "succeeded" for d in deliveries}
    assert len(receiver.requests) == 4
    assert len({r.connection for r in receiver.requests}) == 1  # pooled: one TCP connection for four
    verifier = Webhook(endpoint.secrets[0]["secret"])
    for request in receiver.requests:
        verifier.verify(request.body, request.headers)  # raises if the signature is wrong
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_batch_retries_only_the_deliveries_that_failed(receiver):
    receiver.answer = lambda n: Answer(503) if n == 2 else Answer()
    make_endpoint(receiver.url, "payments.*")
    first, failed, third = fan_out(3)

    outcomes = services.deliveries_attempt(delivery_ids=[first.pk, failed.pk, third.pk])

    assert outcomes == {first.pk: "succeeded", failed.pk: "retrying", third.pk: "succeeded"}
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.response_status) == ("retrying", 1, 503)
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=failed.created_at)  # due now
    again = services.deliveries_attempt(delivery_ids=[first.pk, failed.pk, third.pk])
    assert again == {failed.pk: "succeeded"}  # the succeeded ones are not claimed again
    assert [r.headers["webhook-id"] for r in receiver.requests].count(str(failed.event_id)) == 2
    assert len(receiver.requests) == 4


def test_a_success_then_a_failure_in_one_batch_starts_the_failing_clock(receiver):
    receiver.answer = lambda n: Answer(500) if n == 2 else Answer()
    endpoint = make_endpoint(receiver.url, "payments.*")
    ok, failed = fan_out(2)

    services.deliveries_attempt(delivery_ids=[ok.pk, failed.pk])

    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    receiver.answer = lambda n: Answer()
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=failed.created_at)
    services.deliveries_attempt(delivery_ids=[failed.pk])
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_batch_past_its_budget_hands_the_rest_back_unattempted(receiver, settings, monkeypatch):
    settings.NOTIFICATIONS_BATCH_BUDGET = 0.2
    receiver.always(Answer(delay=0.3))  # the first send alone outlasts the budget
    make_endpoint(receiver.url, "payments.*")
    deliveries = fan_out(3)
    enqueued = []
    monkeypatch.setattr(services, "enqueue_many", enqueued.extend)

    outcomes = services.deliveries_attempt(delivery_ids=[d.pk for d in deliveries])

    assert outcomes == {deliveries[0].pk: "succeeded"}
    assert [d.pk for d in enqueued] == [d.pk for d in deliveries[1:]]
    for delivery in deliveries[1:]:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.lease_until) == (DeliveryStatus.PENDING, 0, None)
    assert len(receiver.requests) == 1


def test_deliveries_committed_during_a_worker_task_are_enqueued_as_one_task_per_endpoint(
    receiver, monkeypatch, django_capture_on_commit_callbacks
):
    first = make_endpoint(receiver.url, "payments.*")
    second = make_endpoint(receiver.url + "?second", "payments.*")
    published = []
    monkeypatch.setattr(tasks.send_webhooks, "apply_async", lambda args, **kw: published.append(args[0]))
    monkeypatch.setattr(tasks.send_webhook, "apply_async", lambda args, **kw: published.append([args[0]]))

    services.enqueues_hold()
    with django_capture_on_commit_callbacks(execute=True):
        fan_out(3)
    assert published == []  # held until the task ends
    services.enqueues_release()

    by_endpoint = {Delivery.objects.get(pk=ids[0]).endpoint_id: ids for ids in published}
    assert set(by_endpoint) == {first.pk, second.pk}
    for endpoint_id, ids in by_endpoint.items():
        assert sorted(ids) == sorted(
            Delivery.objects.filter(endpoint_id=endpoint_id).values_list("pk", flat=True)
        )
        assert len(ids) == 3


def test_the_rate_limit_sends_what_the_window_has_left_and_requeues_the_rest(receiver, settings, monkeypatch):
    settings.NOTIFICATIONS_RATE_LIMITS = {**settings.NOTIFICATIONS_RATE_LIMITS, "webhook": 2}
    make_endpoint(receiver.url, "payments.*")
    ids = [d.pk for d in fan_out(3)]
    requeued = []
    monkeypatch.setattr(tasks.send_webhooks, "apply_async", lambda args, countdown: requeued.append(args[0]))
    monkeypatch.setattr("apps.notifications.ratelimit.time.time", lambda: 1_000_000.5)  # one window
    cache.delete("notifications:rate:webhook:1000000")

    outcomes = tasks.send_webhooks.run(ids)

    assert sorted(outcomes) == ids[:2]
    assert requeued == [ids[2:]]
    assert len(receiver.requests) == 2


def test_a_webhook_ignores_proxies_and_credentials_from_the_environment(receiver, monkeypatch, tmp_path):
    # A proxy would carry the request past the address check; ~/.netrc would hand our credentials
    # for a host to whoever staff pointed a webhook at.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login commerce password secret\n")
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    make_endpoint(receiver.url, "payments.*")
    deliveries = fan_out(1)

    assert services.deliveries_attempt(delivery_ids=[deliveries[0].pk]) == {deliveries[0].pk: "succeeded"}

    [request] = receiver.requests
    assert "Authorization" not in request.headers


def endpoint_reads(queries) -> int:
    return sum('FROM "notifications_webhookendpoint"' in q["sql"] for q in queries.captured_queries)


def test_a_worker_task_reads_the_endpoints_once_for_all_the_events_it_fans_out(receiver):
    make_endpoint(receiver.url, "payments.*")

    services.enqueues_hold()  # what a worker task does around its run (tasks.py)
    try:
        with CaptureQueriesContext(connection) as in_task:
            fan_out(3)
    finally:
        services.enqueues_release()
    with CaptureQueriesContext(connection) as outside:
        fan_out(2)

    assert endpoint_reads(in_task) == 1
    assert endpoint_reads(outside) == 2  # a web request or a test: every fan-out reads them
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 5


def test_while_an_endpoint_is_disabled_a_task_reads_the_endpoints_for_every_event(receiver):
    # Re-enabling replays what it missed: a delivery recorded missed after that from an older
    # reading would stay missed.
    endpoint = make_endpoint(receiver.url, "payments.*", disabled_at=timezone.now())

    services.enqueues_hold()
    try:
        [missed] = fan_out(1)
        services.endpoint_enable(endpoint_id=endpoint.pk, replay_missed=True)
        [after] = fan_out(1)
    finally:
        services.enqueues_release()

    assert missed.status == DeliveryStatus.MISSED
    assert after.status == DeliveryStatus.PENDING


def test_each_delivery_of_a_batch_records_its_own_latency(receiver):
    receiver.answer = lambda n: Answer(delay=0.5) if n == 2 else Answer()
    make_endpoint(receiver.url, "payments.*")
    deliveries = fan_out(3)

    services.deliveries_attempt(delivery_ids=[d.pk for d in deliveries])

    latencies = dict(Delivery.objects.values_list("pk", "latency_ms"))
    assert latencies[deliveries[1].pk] >= 500  # the one the receiver held
    assert None not in latencies.values()
    # The one UPDATE gives every row its own value (the CASE keyed by id):
    Delivery.objects.filter(pk__in=latencies).update(
        latency_ms=services._by_pk({deliveries[0].pk: 7, deliveries[2].pk: 9})
    )
    assert dict(Delivery.objects.values_list("pk", "latency_ms")) == {
        deliveries[0].pk: 7,
        deliveries[1].pk: None,  # CASE without ELSE: not named, no value
        deliveries[2].pk: 9,
    }


def test_a_receiver_dripping_its_answer_holds_a_send_no_longer_than_the_timeout(receiver, settings):
    # Each byte well within the read timeout, the whole far past it: without a deadline on the
    # body the sender would read all 2,000 bytes (100 s), as a threads-pool worker has no hard limit.
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 1
    receiver.answer = lambda n: Answer(body=b"x" * 2000, drip=0.05)
    make_endpoint(receiver.url, "payments.*")
    (delivery,) = fan_out(1)

    outcomes = services.deliveries_attempt(delivery_ids=[delivery.pk])

    assert outcomes == {delivery.pk: "succeeded"}  # the status came in time
    assert receiver.dripped < 2000  # the sender stopped reading and closed the connection
    delivery.refresh_from_db()
    assert delivery.response_excerpt == "x" * len(delivery.response_excerpt)
