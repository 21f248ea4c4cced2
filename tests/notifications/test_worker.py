"""End to end through the broker: an event committed by a producer, relayed, fanned out by a real
Celery worker, sent to a real local receiver, retried on the (shortened) schedule, dead, replayed."""

import time

import pytest
from standardwebhooks.webhooks import Webhook

from apps.notifications.models import Delivery
from apps.notifications.services import deliveries_replay
from tests.events.conftest import real_worker, wait_for
from tests.helpers import publish_payment_voided
from tests.notifications.conftest import make_endpoint
from tests.notifications.receiver import Answer

pytestmark = [
    real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]


def test_a_failing_receiver_is_retried_on_schedule_then_dead_lettered_and_a_replay_delivers_once(
    worker_process, receiver, settings
):
    receiver.answer = lambda n: Answer(500, b"down") if n <= 3 else Answer(200)
    endpoint = make_endpoint(receiver.url, "payments.*")
    worker_process.start()

    payment_id = publish_payment_voided()

    wait_for(lambda: Delivery.objects.filter(status="dead").exists(), what="the delivery to die")
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.response_status, delivery.response_excerpt) == (3, 500, "down")
    assert delivery.envelope["subject"] == payment_id
    times = [r.at for r in receiver.requests]
    assert len(times) == 3
    first, second = settings.NOTIFICATIONS_RETRY_SCHEDULES["webhook"]  # 0.3 s, 0.6 s in tests
    assert times[1] - times[0] >= first * 0.8
    assert times[2] - times[1] >= second * 0.8

    assert deliveries_replay(delivery_ids=[delivery.pk]) == 1

    wait_for(lambda: Delivery.objects.filter(status="succeeded").exists(), what="the replay")
    time.sleep(2.5)  # two sweeps (every 1 s, 1 s grace): nothing is sent again
    assert len(receiver.requests) == 4
    last = receiver.requests[-1]
    assert Webhook(endpoint.secrets[0]["secret"]).verify(last.body, last.headers)["subject"] == payment_id
    assert Delivery.objects.get().replay_count == 1
