"""An account email's link is made when it is sent; if none applies by then, nothing is sent."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.services import email_verification_token, email_verify
from apps.notifications.models import Delivery, DeliveryStatus
from tests.factories.accounts import PASSWORD
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due

pytestmark = pytest.mark.django_db(databases="__all__")


def test_an_address_verified_before_the_email_goes_out_ends_it_dead_at_once_not_retried():
    APIClient().post("/api/v1/accounts", {"email": "ada@example.com", "password": PASSWORD}, format="json")
    drain_outbox()  # the verification email's delivery is recorded, not sent yet
    user = User.objects.get(email="ada@example.com")
    email_verify(token=email_verification_token(user=user))  # followed a link from another email

    sent = attempt_due()

    assert sent == [("email", "ada@example.com", "dead")]
    delivery = Delivery.objects.get(template="account_verify_email")
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error.startswith("link no longer applies: ")
    assert not mail.outbox
