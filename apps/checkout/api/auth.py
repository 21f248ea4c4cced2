"""Guests reach their checkout with the token it was created with: `Authorization: Checkout <token>`."""

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.checkout.models import Checkout
from apps.checkout.services import token_hash

KEYWORD = "Checkout"


@dataclass(frozen=True)
class GuestPrincipal:
    """A guest acting on one checkout. Authenticated (so Idempotency-Key works, scoped to the
    checkout) but no account: no permissions, no orders list."""

    checkout_id: str
    email: str
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False

    @property
    def pk(self) -> str:
        return f"checkout:{self.checkout_id}"

    def has_perm(self, perm: str, obj=None) -> bool:
        return False


class CheckoutTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the guest token as `Authorization: Checkout <token>`."
            )
        try:
            token = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid checkout token.") from None
        checkout = (
            Checkout.objects.filter(guest_token_hash=token_hash(token)).values_list("pk", "email").first()
        )
        if checkout is None:
            raise exceptions.AuthenticationFailed("Invalid checkout token.")
        return GuestPrincipal(str(checkout[0]), checkout[1]), token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class CheckoutTokenScheme(OpenApiAuthenticationExtension):
    target_class = CheckoutTokenAuthentication
    name = "checkoutToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A guest's checkout: `Checkout <guest_token>` (the token POST /checkouts returned).",
        }
