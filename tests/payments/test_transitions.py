"""Payment status changes: allowed moves as data, one audit row per change, optimistic on version."""

import json
import time

import pytest
from django.test import Client

from apps.events.models import OutboxEvent
from apps.payments import services, signals
from apps.payments.contracts import PaymentDeclined, PaymentStateConflict, ProviderUnavailable
from apps.payments.models import Payment, PaymentStatusChange
from apps.payments.providers import get_provider
from apps.payments.transitions import TRANSITIONS, allowed_actions
from tests.factories.accounts import StaffFactory
from tests.factories.payments import authorized_payment, captured_payment

pytestmark = pytest.mark.django_db


def _history(payment: Payment) -> list[tuple]:
    return list(
        PaymentStatusChange.objects.filter(payment=payment).values_list(
            "action", "from_status", "to_status", "version", "actor"
        )
    )


def test_every_status_change_leaves_one_audit_row_with_the_version_it_made():
    payment = captured_payment(amount=5000)
    services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="r1", actor="fin@shop")
    services.payment_refund(payment_id=payment.pk, amount=4000, idempotency_key="r2", actor="fin@shop")

    assert _history(payment) == [
        ("authorize", "requires_authorization", "authorized", 2, "system"),
        ("capture", "authorized", "captured", 3, "system"),
        ("refund_part", "captured", "partially_refunded", 4, "fin@shop"),
        ("refund", "partially_refunded", "refunded", 5, "fin@shop"),
    ]
    payment.refresh_from_db()
    assert payment.version == 5


def test_a_refused_capture_is_a_change_of_its_own_though_the_status_stays():
    payment = authorized_payment(method="pm_sandbox_capture_fails")

    with pytest.raises(PaymentDeclined):
        services.payment_capture(payment_id=payment.pk, idempotency_key="c1", actor="fin@shop")

    last = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (last.action, last.from_status, last.to_status, last.reason, last.actor) == (
        "refuse_capture",
        "authorized",
        "authorized",
        "capture_failed",
        "fin@shop",
    )


def test_an_update_that_is_not_a_status_change_writes_no_audit_row():
    # A provider timeout records why the payment waits (failure_code) and keeps its status.
    with pytest.raises(ProviderUnavailable):
        authorized_payment(method="pm_sandbox_timeout")

    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code, payment.version) == (
        "requires_authorization",
        "provider_unavailable",
        2,
    )
    assert _history(payment) == []


def test_a_move_the_table_does_not_allow_is_refused_and_writes_nothing():
    payment = captured_payment()
    before = (OutboxEvent.objects.count(), PaymentStatusChange.objects.count())

    with pytest.raises(PaymentStateConflict, match="A captured payment cannot void"):
        services.payment_void(payment_id=payment.pk, idempotency_key="v1")

    payment.refresh_from_db()
    assert (payment.status, payment.version) == ("captured", 3)
    assert (OutboxEvent.objects.count(), PaymentStatusChange.objects.count()) == before


def test_a_stale_copy_loses_on_the_version_and_leaves_no_row_or_event():
    payment = authorized_payment()
    stale = Payment.objects.get(pk=payment.pk)
    services.payment_void(payment_id=payment.pk, idempotency_key="v1")  # moves it on to version 3
    before = (OutboxEvent.objects.count(), PaymentStatusChange.objects.count())

    with pytest.raises(PaymentStateConflict, match="changed by another request"):
        services._transition(stale, "capture", amount_captured=stale.amount_authorized)

    assert Payment.objects.get(pk=payment.pk).status == "voided"
    assert (OutboxEvent.objects.count(), PaymentStatusChange.objects.count()) == before


def test_the_table_names_what_each_status_may_do_next():
    assert allowed_actions("requires_authorization") == ["authorize", "fail", "void"]
    assert allowed_actions("authorized") == ["capture", "refuse_capture", "void"]
    assert allowed_actions("captured") == ["refund_part", "refund"]
    assert allowed_actions("voided") == allowed_actions("failed") == allowed_actions("refunded") == []
    # every payment event is announced by some transition, and only by transitions
    assert {t.signal for t in TRANSITIONS.values()} == {
        signals.payment_authorized,
        signals.payment_failed,
        signals.payment_captured,
        signals.payment_capture_failed,
        signals.payment_voided,
        signals.payment_refunded,
    }


def test_a_webhook_change_names_the_provider_and_its_event(api_client):
    payment = authorized_payment()
    body = json.dumps(
        {
            "id": "evt_9",
            "type": "payment.voided",
            "payment": payment.provider_ref,
            "created": int(time.time()),
        }
    ).encode()
    api_client.post(
        "/api/v1/payments/webhooks/sandbox",
        body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=get_provider("sandbox").sign(body),
    )

    last = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (last.action, last.actor, last.reason) == ("void", "sandbox webhook", "event evt_9")


def test_staff_see_the_history_on_the_payment_page_and_cannot_edit_it():
    payment = captured_payment()
    client = Client()
    client.force_login(StaffFactory(role="finance"))

    page = client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()

    assert "status history" in page.lower()
    assert page.count('<td class="field-action">') == 2  # authorize, capture
    assert 'name="status_changes-0-reason"' not in page  # shown, not an input
    assert client.get("/admin/payments/paymentstatuschange/").status_code == 404
