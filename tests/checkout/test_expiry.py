"""Abandoned checkouts expire after CHECKOUT_EXPIRE_AFTER and the hourly beat task purges them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.checkout.models import Checkout, CheckoutLine
from apps.checkout.tasks import purge_expired
from config.settings import base
from tests.checkout.helpers import BASE, customer_checkout

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_default_is_seven_days_and_beat_runs_the_purge_hourly():
    expire_after = settings.CHECKOUT_EXPIRE_AFTER

    assert expire_after == timedelta(days=7)
    assert base.CELERY_BEAT_SCHEDULE["checkout-purge-expired"] == {
        "task": "checkout.purge_expired",
        "schedule": 3600.0,
    }


def test_a_change_extends_the_expiry_and_an_expired_checkout_is_gone_then_purged(shop, customer_client):
    kept_id = customer_checkout(customer_client)["id"]
    abandoned_id = customer_checkout(customer_client)["id"]
    completed_id = customer_checkout(customer_client)["id"]
    before = Checkout.objects.get(pk=kept_id).expires_at
    customer_client.post(f"{BASE}/{kept_id}/lines", {"sku": "MUG", "quantity": 1}, format="json")
    customer_client.post(f"{BASE}/{abandoned_id}/lines", {"sku": "MUG", "quantity": 1}, format="json")
    past = timezone.now() - timedelta(seconds=1)
    Checkout.objects.filter(pk=abandoned_id).update(expires_at=past)
    Checkout.objects.filter(pk=completed_id).update(
        expires_at=past, status="completed", order_id="00000000-0000-0000-0000-000000000001"
    )

    expired_read = customer_client.get(f"{BASE}/{abandoned_id}")
    purged = purge_expired.apply().get()

    assert Checkout.objects.get(pk=kept_id).expires_at > before
    assert expired_read.status_code == 404
    assert purged == 1
    assert set(Checkout.objects.values_list("pk", flat=True).iterator()) == {
        Checkout.objects.get(pk=kept_id).pk,
        Checkout.objects.get(pk=completed_id).pk,
    }
    assert list(CheckoutLine.objects.values_list("checkout_id", flat=True)) == [
        Checkout.objects.get(pk=kept_id).pk
    ]
