"""Staff two-factor sign-in in a real browser (Debian's chromium, as tests/orders/test_admin_browser.py):
a finance user whose role requires it sets up an authenticator on first login, then signs in
with password and code."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.browser import browser_page
from tests.factories.accounts import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
SCREENSHOT = "/tmp/admin-two-factor.png"  # noqa: S108 - a fixed place to look at after a run


def code(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key (RFC 6238: 30 s steps, 6 digits)."""
    totp = TOTP(b32decode(key.replace(" ", "")), step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_finance_user_sets_up_an_authenticator_and_then_signs_in_with_it(live_server, settings):
    settings.ACCOUNTS_2FA_REQUIRED_ROLES = ["finance"]
    email = StaffFactory(role="finance").email

    with browser_page(live_server) as page:
        page.goto("/admin/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/two-factor/$"))
        assert "Your role signs in with a code" in page.content()
        key = page.inner_text("#totp-key")
        assert page.get_attribute("#totp-link", "href").startswith("otpauth://totp/")

        page.fill("#id_otp_token", code(key))
        page.click("#two-factor-form input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        page.screenshot(path=SCREENSHOT, full_page=True)

        page.click("#logout-form button")
        page.goto("/admin/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form input[type=submit]")
        assert "Enter the 6-digit code from your authenticator app." in page.content()
        page.fill("#id_password", PASSWORD)
        page.fill("#id_otp_token", code(key, steps_ahead=1))  # the next step: the first code is spent
        page.click("#login-form input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        assert (
            "Commerce back office" in page.content() and "logout" in page.content().lower()
        )  # the home page
