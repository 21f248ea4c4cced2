"""Webhook delivery outcomes, retries, dead letters, replay, auto-disable, secret rotation, SSRF guard."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.notifications import services
from apps.notifications.models import Delivery, WebhookEndpoint
from apps.notifications.urlguard import webhook_url_problem
from tests.notifications.conftest import attempt_due, make_endpoint
from tests.notifications.receiver import Answer

pytestmark = pytest.mark.django_db


def payment_event(event_type: str = "payments.PaymentVoided.v1") -> dict:
    order_id = str(uuid.uuid4())
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/commerce/payments",
        "type": event_type,
        "time": "2026-11-24T10:00:00Z",
        "subject": str(uuid.uuid4()),
        "datacontenttype": "application/json",
        "data": {"order_id": order_id, "status": "voided", "currency": "EUR", "amount_authorized": 100},
        "aggregateversion": 2,
        "traceparent": "",
        "tracestate": "",
    }


def _deliver_one(receiver, *answers: Answer) -> Delivery:
    """One event to one endpoint; the receiver answers `answers` in turn, then 200."""
    receiver.answer = lambda n: answers[n - 1] if n <= len(answers) else Answer()
    make_endpoint(receiver.url, "payments.*")
    [delivery] = services.deliveries_fan_out(envelope=payment_event())
    return delivery


def test_a_failing_receiver_is_retried_per_schedule_then_dead_and_a_replay_delivers_once(receiver, settings):
    settings.NOTIFICATIONS_RETRY_SCHEDULES = {**settings.NOTIFICATIONS_RETRY_SCHEDULES, "webhook": (5, 300)}
    delivery = _deliver_one(receiver, Answer(500, b"boom"), Answer(502), Answer(503))

    first = services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()

    assert first == "retrying"
    assert 5 * 0.8 - 1 < wait <= 5 * 1.2  # jittered first step of the schedule
    assert (delivery.response_status, delivery.response_excerpt, delivery.last_error) == (
        500,
        "boom",
        "HTTP 500",
    )
    assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"  # not due yet
    assert attempt_due() == [("webhook", delivery.recipient, "retrying")]
    assert attempt_due() == [("webhook", delivery.recipient, "dead")]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("dead", 3, 503)
    assert len(receiver.requests) == 3

    assert services.deliveries_replay(delivery_ids=[delivery.pk]) == 1
    assert attempt_due() == [("webhook", delivery.recipient, "succeeded")]
    assert services.deliveries_replay(delivery_ids=[delivery.pk]) == 0  # succeeded: never sent twice
    assert attempt_due() == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replay_count) == ("succeeded", 1, 1)
    assert len(receiver.requests) == 4
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # receivers can deduplicate


@pytest.mark.parametrize(("status", "outcome"), [(400, "dead"), (404, "dead"), (410, "dead"), (408, "retrying"), (429, "retrying"), (500, "retrying"), (301, "retrying")])  # fmt: skip
def test_client_errors_other_than_408_and_429_are_not_retried(receiver, status, outcome):
    delivery = _deliver_one(receiver, Answer(status, headers={"Location": "http://127.0.0.1:1/elsewhere"}))

    assert services.delivery_attempt(delivery_id=delivery.pk) == outcome
    assert len(receiver.requests) == 1  # a redirect is not followed


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(receiver, status):
    delivery = _deliver_one(receiver, Answer(status, headers={"Retry-After": "120"}))

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 118 < wait <= 120  # longer than the schedule's jittered 0.3 s


def test_a_hanging_receiver_times_out_and_is_retried(receiver, settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.3
    delivery = _deliver_one(receiver, Answer(200, delay=1.0))

    assert services.delivery_attempt(delivery_id=delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.last_error == "timeout"
    assert delivery.response_status is None


def test_every_active_secret_signs_during_a_rotation(receiver):
    delivery = _deliver_one(receiver)
    endpoint = delivery.endpoint
    old = endpoint.secrets[0]["secret"]

    new = services.endpoint_rotate_secret(endpoint_id=endpoint.pk)
    attempt_due()

    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(request.body, request.headers) == delivery.envelope
    assert Webhook(new).verify(request.body, request.headers) == delivery.envelope
    with pytest.raises(WebhookVerificationError):
        Webhook(services.endpoint_secret_initial()[0]["secret"]).verify(request.body, request.headers)


def test_an_expired_secret_stops_signing(receiver):
    delivery = _deliver_one(receiver)
    endpoint = delivery.endpoint
    services.endpoint_rotate_secret(endpoint_id=endpoint.pk)
    endpoint.refresh_from_db()
    endpoint.secrets[1]["expires_at"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    endpoint.save()

    attempt_due()

    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(endpoint.secrets[0]["secret"]).verify(request.body, request.headers) == delivery.envelope
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secrets[1]["secret"]).verify(request.body, request.headers)


def test_an_endpoint_failing_past_the_setting_is_disabled_and_re_enabling_replays_what_it_missed(
    receiver, settings
):
    settings.NOTIFICATIONS_WEBHOOK_DISABLE_AFTER = timedelta(days=5)
    receiver.always(Answer(500))
    endpoint = make_endpoint(receiver.url, "payments.*")
    services.deliveries_fan_out(envelope=payment_event())
    assert attempt_due() == [("webhook", f"endpoint:{endpoint.pk}", "retrying")]
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=5, seconds=1)
    )

    # Still failing five days on: disabled, the pending retry and later events recorded as missed.
    assert attempt_due() == [("webhook", f"endpoint:{endpoint.pk}", "missed")]
    later = services.deliveries_fan_out(envelope=payment_event())
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert "every delivery failed since" in endpoint.disabled_reason
    assert "(last error: HTTP 500)" in endpoint.disabled_reason
    assert [d.status for d in later] == ["missed"]
    assert attempt_due() == []
    assert len(receiver.requests) == 2

    receiver.always(Answer(204))
    assert services.endpoint_enable(endpoint_id=endpoint.pk, replay_missed=True) == 2
    assert [outcome for _, _, outcome in attempt_due()] == ["succeeded", "succeeded"]
    endpoint.refresh_from_db()
    assert (endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since) == (None, "", None)
    assert len(receiver.requests) == 4


def test_a_success_resets_the_failing_clock(receiver):
    endpoint = make_endpoint(receiver.url, "payments.*")
    receiver.answer = lambda n: Answer(500) if n == 1 else Answer(200)
    services.deliveries_fan_out(envelope=payment_event())
    attempt_due()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    attempt_due()

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_broken_template_dead_letters_the_delivery_with_the_error(settings, tmp_path, customer):
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "order_paid.subject.txt").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    envelope = {**payment_event("orders.OrderPaid.v1"), "data": {"customer_id": customer.pk, "number": "N-1"}}
    [delivery] = services.deliveries_fan_out(envelope=envelope)

    assert services.delivery_attempt(delivery_id=delivery.pk) == "dead"

    delivery.refresh_from_db()
    assert delivery.attempts == 1  # at once: rendering it again would fail the same way
    assert delivery.last_error.startswith(
        "template error: notifications/order_paid.subject.txt: TemplateSyntaxError: Unexpected end of expression"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "Enter a valid http(s) URL."),
        ("ftp://example.com/hook", "Enter a valid http(s) URL."),
        ("http://example.com/hook", "Webhook URLs must use https."),
        ("https://127.0.0.1/hook", "The host 127.0.0.1 resolves to a non-public address (127.0.0.1)."),
        ("https://localhost/hook", "The host localhost resolves to a non-public address"),
        ("https://10.1.2.3/hook", "The host 10.1.2.3 resolves to a non-public address (10.1.2.3)."),
        ("https://169.254.169.254/latest", "The host 169.254.169.254 resolves to a non-public address"),
        ("https://[::1]/hook", "The host ::1 resolves to a non-public address (::1)."),
        ("https://8.8.8.8/hook", None),
    ],
)
def test_the_url_guard_refuses_non_https_and_private_addresses_outside_debug(settings, url, problem):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = False

    found = webhook_url_problem(url)

    if problem is None:
        assert found is None
    else:
        assert found.startswith(problem)


def test_a_delivery_to_a_url_that_became_private_is_refused_without_a_request(receiver, settings):
    delivery = _deliver_one(receiver)
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = False

    assert services.delivery_attempt(delivery_id=delivery.pk) == "dead"

    delivery.refresh_from_db()
    assert delivery.last_error == "URL refused: Webhook URLs must use https."
    assert receiver.requests == []


def test_a_crashing_provider_follows_the_schedule_to_dead_instead_of_looping(settings, customer):
    settings.NOTIFICATIONS_SMS_PROVIDER = {"class": "apps.notifications.sms.NoSuchProvider"}
    delivery = Delivery.objects.create(
        event_id=uuid.uuid4(),
        event_type="orders.OrderShipped.v1",
        channel="sms",
        recipient="+447700900123",
        template="order_shipped",
        envelope={"data": {"number": "N-1", "carrier": "DHL", "tracking_number": "T1"}},
    )

    outcomes = [services.delivery_attempt(delivery_id=delivery.pk), *[o for _, _, o in attempt_due()]]

    delivery.refresh_from_db()
    assert outcomes == ["retrying", "dead"]  # tests: one SMS retry
    assert delivery.last_error.startswith('ImportError: Module "apps.notifications.sms" does not define')


class _Listener:
    """A plain TCP listener on 127.0.0.1 that counts the connections it is offered."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_connect_time(settings, monkeypatch):
    """DNS rebinding: the guard's lookup sees a public address, the connection's lookup 127.0.0.1.
    DNS is the one thing faked (it leaves the machine); the connection attempt is real."""
    import socket

    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = False
    listener = _Listener()
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    endpoint = make_endpoint(f"https://rebind.example:{listener.port}/hook", "payments.*")
    delivery = Delivery.objects.create(
        event_id=uuid.uuid4(),
        event_type="payments.PaymentVoided.v1",
        channel="webhook",
        recipient=f"endpoint:{endpoint.pk}",
        endpoint=endpoint,
        envelope=payment_event(),
    )
    try:
        lookups.clear()  # the endpoint's save checked it too; count from the send
        outcome = services.delivery_attempt(delivery_id=delivery.pk)
    finally:
        listener.close()

    delivery.refresh_from_db()
    assert len(lookups) >= 2  # the guard's lookup, then the connection's own
    assert listener.accepted == 0  # nothing ever reached the loopback address
    assert outcome == "dead"  # final: retrying would only ask the same name again
    assert delivery.last_error.startswith("URL refused: resolves to a non-public address (127.0.0.1)")
