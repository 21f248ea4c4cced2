"""The one optimistic-locking write (apps.common.db.update_at_version) orders and payments share."""

import pytest

from apps.common.db import update_at_version
from apps.payments.models import Payment
from tests.factories.payments import authorized_payment

pytestmark = pytest.mark.django_db


def test_it_writes_the_version_read_bumps_it_and_stamps_updated_at():
    payment = authorized_payment()
    before = payment.updated_at

    assert update_at_version(payment, failure_code="x") is True

    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.failure_code, stored.version) == ("x", 3)
    assert (payment.failure_code, payment.version) == ("x", 3)
    assert stored.updated_at == payment.updated_at > before


def test_a_stale_copy_writes_nothing_and_says_so():
    payment = authorized_payment()
    stale = Payment.objects.get(pk=payment.pk)
    assert update_at_version(payment, failure_code="first")

    assert update_at_version(stale, failure_code="second") is False

    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.failure_code, stored.version) == ("first", 3)
    assert (stale.failure_code, stale.version) == ("", 2)  # the loser's copy is left as it was read
