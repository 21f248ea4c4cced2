"""Staff two-factor sign-in for the admin with TOTP authenticator apps (django-otp).

Optional for every staff member (they add an authenticator at /admin/two-factor/); required for
the roles in ACCOUNTS_2FA_REQUIRED_ROLES. Once someone has a confirmed authenticator, the admin
login wants its code and a session signed in without one does not reach the admin.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django_otp import login as otp_login
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import exceptions

from apps.common.problems import Problem

DEVICE_NAME = "Authenticator app"


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_required(user) -> bool:
    roles = set(settings.ACCOUNTS_2FA_REQUIRED_ROLES)
    return bool(roles) and user.groups.filter(name__in=roles).exists()


def admin_has_permission(request) -> bool:
    """AdminSite.has_permission: staff, and signed in with a code if they have or need an authenticator."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    verified = getattr(user, "is_verified", lambda: False)()  # set by django-otp's middleware
    return verified or not (has_authenticator(user) or authenticator_required(user))


def api_sign_in_check(*, user, otp_token: str) -> None:
    """A staff API token needs the same second factor as the admin: without it, 2FA would be one
    `POST /auth/token` away from being bypassed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        if not otp_token or not device.verify_is_allowed()[0] or not device.verify_token(otp_token):
            raise exceptions.AuthenticationFailed(
                "Give the current code of your authenticator app as otp_token."
            )
    elif authenticator_required(user):
        raise Problem(
            status=403,
            slug="two-factor-required",
            detail="Your role signs in with an authenticator app: set one up at /admin/two-factor/ first.",
        )


class StaffLoginForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    """The admin login: email, password, and the authenticator's code once the user has one."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        required=False,
        label="Authenticator code",
        help_text="Only if you have set up an authenticator app.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Enter the 6-digit code from your authenticator app.",
        "invalid_token": "That code is not right (or was already used); try the next one.",
    }

    def _chosen_device(self, user):
        # One authenticator per person: no device picker, the user's own confirmed one.
        return TOTPDevice.objects.filter(user=user, confirmed=True).first()

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and has_authenticator(user):
            self.clean_otp(user)  # sets user.otp_device: django-otp marks the session verified
        return cleaned


def install(site: admin.AdminSite) -> None:
    """Put two-factor sign-in on the admin site every module registers with."""
    password_login = site.login

    def login(request, extra_context=None):
        # Signed in by password, but their role needs an authenticator they do not have yet.
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and not admin_has_permission(request)
            and not has_authenticator(user)
        ):
            return redirect("admin:two_factor_setup")
        return password_login(request, extra_context)

    admin_urls = site.get_urls

    def get_urls():
        # Outside admin_view: a member who must set up 2FA cannot pass has_permission yet.
        return [path("two-factor/", setup_view, name="two_factor_setup"), *admin_urls()]

    site.login_form = StaffLoginForm
    site.login_template = "accounts/admin_login.html"
    site.has_permission = admin_has_permission
    site.login = login
    site.get_urls = get_urls


class ConfirmForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from the app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


@login_required(login_url="admin:login")
def setup_view(request):
    """Add an authenticator: show the key (and otpauth link), confirm with one code, sign in with it."""
    user = request.user
    if not user.is_staff:
        return redirect("admin:login")
    if has_authenticator(user):
        return render(
            request, "accounts/two_factor_setup.html", {"done": True, **admin.site.each_context(request)}
        )
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": DEVICE_NAME})
    form = ConfirmForm(request.POST or None)
    if form.is_valid():
        if not device.verify_is_allowed()[0]:  # django-otp doubles the wait after each wrong code
            form.add_error(
                "otp_token", "Too many wrong codes: wait a few seconds, then enter the current one."
            )
        elif device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(reverse("admin:index"))
        form.add_error("otp_token", "That code is not right; check the key and your device's clock.")
    context = {
        "form": form,
        "key": _base32(device),
        "config_url": device.config_url,
        "required": authenticator_required(user),
        **admin.site.each_context(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
