"""Reconciliation with the provider: payments in doubt settled without a webhook, authorizations
captured or voided before they expire, and a second run that changes nothing."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.events.models import OutboxEvent
from apps.orders.contracts import Customer, LineRequest
from apps.orders.models import Order
from apps.orders.services import order_create
from apps.payments import services
from apps.payments.contracts import ProviderUnavailable
from apps.payments.models import (
    Capture,
    Payment,
    PaymentStatusChange,
    ProviderCallInDoubt,
    ReconciliationRun,
    Refund,
)
from apps.payments.providers.measured import reconciliation_findings
from apps.payments.reconciliation import payments_reconcile
from apps.payments.tasks import reconcile
from config.settings import base as base_settings
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.payments import authorized_payment
from tests.helpers import place

pytestmark = pytest.mark.django_db


def _stripe_payment(amount: int = 5000) -> Payment:
    """A Stripe payment as placement leaves it: authorized, with its order recorded (one without
    an order is voided by reconciliation once untouched: tests/payments/test_unrecorded_orders.py)."""
    sku, user = f"SKU-{uuid.uuid4().hex[:8]}", UserFactory()
    ProductFactory(sku=sku, price_amount=amount, on_hand=1)
    order = order_create(
        customer=Customer(user.pk, user.email),
        idempotency_key=str(uuid.uuid4()),
        lines=[LineRequest(sku, 1)],
        shipping_address={},
        payment_provider="stripe",
        payment_method="pm_card_visa",
    )
    return Payment.objects.get(pk=order.payment_id)


def _footprint() -> tuple:
    """Everything a run could change about payments: rows, versions, audit, events."""
    return (
        list(
            Payment.objects.order_by("pk").values_list(
                "pk", "status", "version", "amount_captured", "amount_refunded"
            )
        ),
        PaymentStatusChange.objects.count(),
        Capture.objects.count(),
        Refund.objects.count(),
        list(ProviderCallInDoubt.objects.order_by("pk").values_list("pk", "resolved_at")),
        OutboxEvent.objects.count(),
    )


def _expiring(payment: Payment, within: timedelta = timedelta(hours=1)) -> None:
    Payment.objects.filter(pk=payment.pk).update(authorization_expires_at=timezone.now() + within)


def test_a_capture_that_timed_out_is_settled_from_the_provider_without_a_webhook(
    stripe_settings, stripe_standin
):
    payment = _stripe_payment(amount=5000)
    stripe_standin.hang_seconds = 2.0
    stripe_standin.hang_next = 1  # Stripe captures, the answer never reaches us

    with pytest.raises(ProviderUnavailable):
        services.payment_capture(
            payment_id=payment.pk, amount=4000, idempotency_key="cap-1", actor="fin@shop"
        )

    assert Payment.objects.get(pk=payment.pk).status == "authorized"
    assert stripe_standin.intents[payment.provider_ref]["status"] == "succeeded"
    call = ProviderCallInDoubt.objects.get()
    assert (call.operation, call.amount, call.idempotency_key, call.resolved_at) == (
        "capture",
        4000,
        "cap-1",
        None,
    )

    run = payments_reconcile()

    payment.refresh_from_db()
    assert (payment.status, payment.amount_captured) == ("captured", 4000)
    assert Capture.objects.get().idempotency_key == "cap-1"  # the caller's retry with its key is a no-op
    last = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (last.action, last.actor) == ("capture", "reconciliation")
    assert (
        OutboxEvent.objects.filter(type="payments.PaymentCaptured.v1", subject=str(payment.pk)).count() == 1
    )
    assert ProviderCallInDoubt.objects.get().resolution == "captured at the provider"
    assert (run.checked, run.changed, run.needs_staff) == (1, 1, 0)
    assert [f["finding"] for f in run.findings] == ["captured_at_provider"]
    requests = [(r.method, r.path.split("?")[0]) for r in stripe_standin.requests]
    assert requests[-1] == ("GET", f"/v1/payment_intents/{payment.provider_ref}")

    before = _footprint()
    again = payments_reconcile()
    retried = services.payment_capture(payment_id=payment.pk, amount=4000, idempotency_key="cap-1")

    assert _footprint() == before
    assert (again.checked, again.changed, again.findings) == (0, 0, [])
    assert retried.version == payment.version


def test_a_refund_that_timed_out_is_recorded_once_under_its_own_key(stripe_settings, stripe_standin):
    payment = _stripe_payment(amount=3000)
    services.payment_capture(payment_id=payment.pk, idempotency_key="cap-1")
    stripe_standin.hang_seconds = 2.0
    stripe_standin.hang_next = 1

    with pytest.raises(ProviderUnavailable):
        services.payment_refund(
            payment_id=payment.pk, amount=1000, idempotency_key="re-1", reason="chipped", actor="fin@shop"
        )

    run = payments_reconcile()

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 1000)
    refund = Refund.objects.get()
    assert (refund.idempotency_key, refund.amount, refund.reason, refund.created_by) == (
        "re-1",
        1000,
        "chipped",
        "fin@shop",
    )
    assert [f["finding"] for f in run.findings] == ["refunded_at_provider"]
    before = _footprint()
    assert payments_reconcile().changed == 0
    assert _footprint() == before


def test_a_refund_the_provider_never_made_is_closed_and_staff_are_told(stripe_settings, stripe_standin):
    payment = _stripe_payment(amount=3000)
    services.payment_capture(payment_id=payment.pk, idempotency_key="cap-1")
    stripe_standin.fail_next = 1  # a 500 before anything is done

    with pytest.raises(ProviderUnavailable):
        services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="re-1")

    run = payments_reconcile()

    assert Payment.objects.get(pk=payment.pk).amount_refunded == 0
    assert ProviderCallInDoubt.objects.get().resolution == "not done at the provider (captured)"
    assert [(f["finding"], f["needs_staff"]) for f in run.findings] == [("refund_not_done", True)]


def test_an_authorization_about_to_expire_is_voided_when_the_order_is_not_ready(settings, customer_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"  # placed, not shipped: not ready to capture
    ProductFactory(sku="MUG", on_hand=5)
    assert place(customer_client, ("MUG", 1)).status_code == 201
    payment = Payment.objects.get()
    _expiring(payment)

    run = payments_reconcile()

    payment.refresh_from_db()
    assert payment.status == "voided"
    last = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (last.action, last.actor) == ("void", "reconciliation")
    assert last.reason.startswith("authorization expires ") and last.reason.endswith(
        "order not ready to capture"
    )
    assert [(f["finding"], f["needs_staff"]) for f in run.findings] == [("voided_before_expiry", True)]
    assert (run.checked, run.changed, run.needs_staff) == (1, 1, 1)
    before = _footprint()
    assert payments_reconcile().checked == 0
    assert _footprint() == before


def test_an_authorization_about_to_expire_is_captured_when_the_order_is_ready(settings, customer_client):
    settings.ORDERS_CAPTURE_POLICY = "immediate"  # a placed order under this policy is ready
    ProductFactory(sku="MUG", on_hand=5)
    assert place(customer_client, ("MUG", 1)).status_code == 201  # its capture handler not run yet
    payment = Payment.objects.get()
    _expiring(payment)

    run = payments_reconcile()

    payment.refresh_from_db()
    assert (payment.status, payment.amount_captured) == ("captured", payment.amount_authorized)
    assert Capture.objects.get().idempotency_key == f"expiry:{payment.pk}"
    assert [(f["finding"], f["needs_staff"]) for f in run.findings] == [("captured_before_expiry", False)]
    assert Order.objects.get().status == "placed"  # PaymentCaptured marks it paid, through its handler


def test_an_authorization_the_provider_let_lapse_is_voided_and_staff_are_told(
    stripe_settings, stripe_standin
):
    payment = _stripe_payment()
    stripe_standin.intents[payment.provider_ref].update(status="canceled", amount_capturable=0)
    # authorized and untouched long enough to be asked about
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    run = payments_reconcile()

    assert Payment.objects.get(pk=payment.pk).status == "voided"
    assert [(f["finding"], f["needs_staff"]) for f in run.findings] == [("voided_at_provider", True)]


def test_a_payment_in_agreement_with_the_provider_is_asked_once_per_period(stripe_settings, stripe_standin):
    payment = _stripe_payment()
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    version = Payment.objects.get(pk=payment.pk).version

    first, second = payments_reconcile(), payments_reconcile()

    assert (first.checked, first.changed, second.checked) == (1, 0, 0)
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.version) == ("authorized", version)
    assert stored.reconciled_at is not None
    gets = [r for r in stripe_standin.requests if r.method == "GET"]
    assert len(gets) == 1


def test_the_expiry_is_tracked_per_provider_from_the_authorization(settings):
    settings.PAYMENTS_AUTHORIZATION_VALIDITY = {"sandbox": timedelta(days=2)}
    started = timezone.now()

    payment = authorized_payment()

    assert (
        started + timedelta(days=2) <= payment.authorization_expires_at <= timezone.now() + timedelta(days=2)
    )
    assert Payment.objects.get(pk=payment.pk).authorization_expires_at == payment.authorization_expires_at


def test_the_command_prints_the_report_counts_it_and_fails_when_staff_must_act(capsys):
    payment = authorized_payment()
    _expiring(payment)
    counted = reconciliation_findings.labels("sandbox", "voided_before_expiry", "true")
    before = counted._value.get()

    with pytest.raises(SystemExit) as exit_:
        call_command("payments_reconcile")

    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert counted._value.get() == before + 1
    assert "1 checked, 1 changed, 1 need staff" in out
    assert f"STAFF voided_before_expiry payment={payment.pk} order={payment.order_id}" in out


def test_beat_runs_it_and_staff_read_the_runs_in_the_admin():
    # the deployed schedule (the test settings run a short one of their own)
    assert base_settings.CELERY_BEAT_SCHEDULE["payments-reconcile"] == {
        "task": "payments.reconcile",
        "schedule": 600.0,
    }
    payment = authorized_payment()
    _expiring(payment)

    assert reconcile() == 1  # the run's needs_staff
    client = Client()
    client.force_login(StaffFactory(role="finance"))
    run = ReconciliationRun.objects.get()
    page = client.get(f"/admin/payments/reconciliationrun/{run.pk}/change/").content.decode()

    assert "voided_before_expiry" in page and str(payment.order_id) in page
    assert client.get("/admin/payments/reconciliationrun/").status_code == 200
    assert client.get("/admin/payments/reconciliationrun/add/").status_code == 403


def test_a_call_in_doubt_the_caller_retried_is_closed_with_nothing_taken_over(
    stripe_settings, stripe_standin
):
    payment = _stripe_payment(amount=3000)
    services.payment_capture(payment_id=payment.pk, idempotency_key="cap-1")
    stripe_standin.fail_next = 1
    with pytest.raises(ProviderUnavailable):
        services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="re-1")
    services.payment_refund(payment_id=payment.pk, amount=1000, idempotency_key="re-1")  # the retry
    before = Refund.objects.count()

    run = payments_reconcile()

    assert Refund.objects.count() == before == 1
    assert ProviderCallInDoubt.objects.get().resolution == "done by the caller's retry"
    assert (run.changed, run.needs_staff, run.findings) == (0, 0, [])


def test_a_payment_the_provider_does_not_know_is_flagged_and_the_run_goes_on(stripe_settings, stripe_standin):
    unknown, known = _stripe_payment(), _stripe_payment()
    Payment.objects.filter(pk=unknown.pk).update(provider_ref="pi_gone")
    stripe_standin.intents[known.provider_ref].update(status="canceled", amount_capturable=0)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Payment.objects.filter(pk__in=[unknown.pk, known.pk]).update(updated_at=an_hour_ago)

    run = payments_reconcile()

    assert sorted((f["payment_id"], f["finding"]) for f in run.findings) == sorted(
        [(str(unknown.pk), "provider_refused_lookup"), (str(known.pk), "voided_at_provider")]
    )
    assert Payment.objects.get(pk=unknown.pk).status == "authorized"
    assert payments_reconcile().checked == 0  # asked again after PAYMENTS_RECONCILE_EVERY, not every run
