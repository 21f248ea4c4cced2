"""Staff manage endpoints and deliveries in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.notifications import services
from apps.notifications.models import Delivery, WebhookEndpoint
from tests.factories.accounts import StaffFactory
from tests.notifications.conftest import attempt_due, make_endpoint
from tests.notifications.receiver import Answer
from tests.notifications.test_webhooks import payment_event

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_adding_an_endpoint_gives_it_a_secret(admin_client):
    response = admin_client.post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "url": "https://8.8.8.8/hooks",
            "description": "ERP",
            "event_types": ["orders.*", "payments.PaymentCaptured.v1"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["orders.*", "payments.PaymentCaptured.v1"]
    [secret] = endpoint.secrets
    assert secret["secret"].startswith("whsec_")
    assert secret["expires_at"] is None


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("not a url", "Enter a valid http(s) URL."),
        ("http://8.8.8.8/hooks", "Webhook URLs must use https."),
        (
            "https://192.168.1.10/hooks",
            "The host 192.168.1.10 resolves to a non-public address (192.168.1.10).",
        ),
    ],
)
def test_a_bad_or_private_url_is_a_form_error(admin_client, settings, url, error):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = admin_client.post(
        "/admin/notifications/webhookendpoint/add/", {"url": url, "event_types": "*", "is_active": "on"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"url": [error]}
    assert WebhookEndpoint.objects.count() == 0


def test_send_test_event_delivers_a_signed_test_event(admin_client, receiver):
    endpoint = make_endpoint(receiver.url, "orders.OrderShipped.v1")

    response = admin_client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "send_test_event", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    attempt_due()

    delivery = Delivery.objects.get()
    assert _messages(response) == [f"Test event {delivery.event_id} queued for {endpoint}."]
    [request] = receiver.requests
    body = Webhook(endpoint.secrets[0]["secret"]).verify(request.body, request.headers)
    assert body["type"] == "notifications.WebhookTest.v1"
    assert body["data"] == {"endpoint_id": endpoint.pk, "message": "Test event sent from the admin."}


def test_rotate_secret_keeps_the_old_one_until_the_overlap_ends(admin_client, settings):
    endpoint = make_endpoint("https://8.8.8.8/hooks", "*")
    old = endpoint.secrets[0]["secret"]

    admin_client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )

    endpoint.refresh_from_db()
    new, previous = endpoint.secrets
    assert (new["expires_at"], previous["secret"]) == (None, old)
    expires = timezone.datetime.fromisoformat(previous["expires_at"])
    overlap = expires - timezone.now()
    assert settings.NOTIFICATIONS_WEBHOOK_SECRET_OVERLAP - timezone.timedelta(minutes=1) < overlap
    assert overlap <= settings.NOTIFICATIONS_WEBHOOK_SECRET_OVERLAP


def test_a_disabled_endpoint_shows_why_and_re_enabling_offers_its_missed_deliveries(admin_client, receiver):
    endpoint = make_endpoint(receiver.url, "payments.*")
    reason = (
        "Disabled automatically at 2026-11-24 10:00 UTC: every delivery failed since 2026-11-19 10:00 UTC."
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now(), disabled_reason=reason)
    services.deliveries_fan_out(envelope=payment_event())
    services.deliveries_fan_out(envelope=payment_event())

    change = admin_client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/").content.decode()
    page = admin_client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/enable/").content.decode()
    response = admin_client.post(
        f"/admin/notifications/webhookendpoint/{endpoint.pk}/enable/", {"replay_missed": "on"}, follow=True
    )
    attempt_due()

    assert reason in change
    assert "re-enable…" in change
    assert reason in page
    assert "While disabled, 2 deliveries to it were recorded as missed." in page
    assert _messages(response) == [f"{endpoint} re-enabled; 2 missed deliveries replayed."]
    assert len(receiver.requests) == 2


def test_deliveries_filter_by_status_channel_endpoint_and_event_type(admin_client, receiver):
    receiver.answer = lambda n: Answer(200) if n == 1 else Answer(410)
    endpoint = make_endpoint(receiver.url, "payments.*")
    services.deliveries_fan_out(envelope=payment_event("payments.PaymentVoided.v1"))
    services.deliveries_fan_out(envelope=payment_event("payments.PaymentFailed.v1"))
    attempt_due()
    voided, failed = Delivery.objects.order_by("pk")

    def listed(query: str) -> list[Delivery]:
        response = admin_client.get(f"/admin/notifications/delivery/?{query}")
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert listed("status__exact=dead") == [failed]
    assert listed("status__exact=succeeded") == [voided]
    assert listed("channel__exact=email") == []
    assert listed(f"endpoint__id__exact={endpoint.pk}&event_type=payments.PaymentVoided.v1") == [voided]


def test_replay_from_the_admin_needs_the_permission_and_skips_succeeded_ones(client, receiver):
    receiver.answer = lambda n: Answer(200) if n == 1 else Answer(400)
    make_endpoint(receiver.url, "payments.*")
    services.deliveries_fan_out(envelope=payment_event())
    services.deliveries_fan_out(envelope=payment_event())
    attempt_due()
    succeeded, dead = Delivery.objects.order_by("pk")
    viewer = StaffFactory()
    viewer.user_permissions.add(*_perms("view_delivery"))
    replayer = StaffFactory()
    replayer.user_permissions.add(*_perms("replay_delivery"))
    selected = {"action": "replay_selected", "_selected_action": [succeeded.pk, dead.pk]}

    client.force_login(viewer)
    denied = client.post("/admin/notifications/delivery/", selected, follow=True)
    client.force_login(replayer)
    allowed = client.post("/admin/notifications/delivery/", selected, follow=True)

    assert "Replayed" not in " ".join(_messages(denied))
    assert _messages(allowed) == [
        "Replayed 1 deliveries.",
        "1 skipped: only dead or missed deliveries are replayed.",
    ]
    dead.refresh_from_db()
    assert (dead.status, dead.replay_count) == ("pending", 1)


def _perms(codename: str):
    return Permission.objects.filter(content_type__app_label="notifications", codename=codename)
