from django.urls import path

from apps.accounts.api import address_views as addresses
from apps.accounts.api import customer_views as customers
from apps.accounts.api import internal_views as internal
from apps.accounts.api import views

urlpatterns = [
    path("auth/token", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password-reset", customers.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm",
        customers.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("accounts", customers.SignUpView.as_view(), name="accounts-sign-up"),
    path("accounts/verify-email", customers.EmailVerifyView.as_view(), name="accounts-verify-email"),
    path("accounts/me", customers.AccountView.as_view(), name="accounts-me"),
    path(
        "accounts/me/verify-email",
        customers.EmailVerificationResendView.as_view(),
        name="accounts-verify-email-resend",
    ),
    path("accounts/me/password", customers.PasswordChangeView.as_view(), name="accounts-password-change"),
    path("accounts/me/email", customers.EmailChangeView.as_view(), name="accounts-email-change"),
    path("accounts/me/addresses", addresses.AddressListView.as_view(), name="addresses"),
    path("accounts/me/addresses/<int:address_id>", addresses.AddressDetailView.as_view(), name="address"),
    path(
        "internal/accounts/<int:account_id>", internal.InternalAccountView.as_view(), name="internal-account"
    ),
    path(
        "internal/accounts/<int:account_id>/links",
        internal.InternalAccountLinkView.as_view(),
        name="internal-account-links",
    ),
]
