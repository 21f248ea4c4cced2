"""Guests reach their checkout with the token it was created with: `Authorization: Checkout <token>`."""

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions

from apps.checkout.models import Checkout
from apps.checkout.services import token_hash
from apps.common.authentication import AccountlessPrincipal, KeywordTokenAuthentication

KEYWORD = "Checkout"


@dataclass(frozen=True)
class GuestPrincipal(AccountlessPrincipal):
    """A guest acting on one checkout: no orders list."""

    checkout_id: str
    email: str

    @property
    def pk(self) -> str:
        return f"checkout:{self.checkout_id}"


class CheckoutTokenAuthentication(KeywordTokenAuthentication):
    keyword, token_name = KEYWORD, "guest"

    def authenticate_token(self, presented: bytes):
        try:
            token = presented.decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid checkout token.") from None
        checkout = (
            Checkout.objects.filter(guest_token_hash=token_hash(token)).values_list("pk", "email").first()
        )
        if checkout is None:
            raise exceptions.AuthenticationFailed("Invalid checkout token.")
        return GuestPrincipal(str(checkout[0]), checkout[1]), token


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
