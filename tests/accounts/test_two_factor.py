import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.accounts import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])  # finance's home page shows sales


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():06d}"


def admin_login(client, email: str, otp_token: str = ""):
    return client.post(
        "/admin/login/", {"username": email, "password": PASSWORD, "otp_token": otp_token, "next": "/admin/"}
    )


@pytest.fixture
def finance_required(settings):
    settings.ACCOUNTS_2FA_REQUIRED_ROLES = ["finance"]


def test_staff_without_an_authenticator_sign_in_with_a_password_alone(client):
    staff = StaffFactory(role="support")

    response = admin_login(client, staff.email)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_once_set_up_the_admin_wants_the_code(client):
    staff = StaffFactory(role="support")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    without = admin_login(client, staff.email)
    right = admin_login(client, staff.email, code(device))
    client.logout()
    wrong = admin_login(client, staff.email, "000000" if code(device, 1) != "000000" else "111111")

    assert "Enter the 6-digit code" in without.content.decode()
    assert right.status_code == 302
    assert "That code is not right" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302  # the wrong code signed nobody in


def test_a_required_role_is_sent_to_set_up_an_authenticator_first(client, finance_required):
    staff = StaffFactory(role="finance")

    admin_login(client, staff.email)
    index = client.get("/admin/")
    login = client.get(index["Location"])

    assert index.status_code == 302
    assert login["Location"] == "/admin/two-factor/"
    assert client.get("/admin/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    wrong = client.post(
        "/admin/two-factor/", {"otp_token": "000000" if code(device) != "000000" else "111111"}
    )
    assert "That code is not right" in wrong.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None
    )  # as if the wait had passed
    confirmed = client.post("/admin/two-factor/", {"otp_token": code(device)})
    assert confirmed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_other_roles_are_not_required_to(client, finance_required):
    staff = StaffFactory(role="fulfilment")

    admin_login(client, staff.email)

    assert client.get("/admin/").status_code == 200


def test_a_staff_api_token_needs_the_same_second_factor(api_client, finance_required):
    finance = StaffFactory(role="finance")
    support = StaffFactory(role="support")
    device = TOTPDevice.objects.create(user=support, name="phone", confirmed=True)

    def token(user, otp_token=None):
        body = {"email": user.email, "password": PASSWORD} | ({"otp_token": otp_token} if otp_token else {})
        return api_client.post("/api/v1/auth/token", body, format="json")

    no_device = token(finance)
    without = token(support)
    right = token(support, code(device))

    assert no_device.status_code == 403
    assert no_device.json()["type"].endswith("/two-factor-required")
    assert without.status_code == 401
    assert right.status_code == 200
