"""Service-to-service endpoints (`/api/v1/internal/...`): what a module deployed on its own asks
of the module that owns the data. The caller sends `Authorization: Service <token>`, one token
per calling service (INTERNAL_API_TOKENS); customers' and staff tokens are not accepted there."""

from dataclasses import dataclass
from hmac import compare_digest

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

KEYWORD = "Service"


@dataclass(frozen=True)
class ServicePrincipal:
    """A calling service, known by its name in INTERNAL_API_TOKENS. No account, no permissions."""

    name: str
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False

    @property
    def pk(self) -> str:
        return f"service:{self.name}"

    def has_perm(self, perm: str, obj=None) -> bool:
        return False


class ServiceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                f"Send the service token as `Authorization: {KEYWORD} <token>`."
            )
        presented = parts[1]
        # Every token compared, in constant time each: the answer does not tell which one was close.
        matches = [
            name
            for name, token in settings.INTERNAL_API_TOKENS.items()
            if token and compare_digest(presented, token.encode())
        ]
        if not matches:
            raise exceptions.AuthenticationFailed("Invalid service token.")
        return ServicePrincipal(matches[0]), None

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = ServiceTokenAuthentication
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                f"Internal endpoints only: `{KEYWORD} <token>`, the calling service's token from the "
                "server's INTERNAL_API_TOKENS."
            ),
        }


class InternalView(APIView):
    """Base of the internal endpoints: service tokens only, no throttling (callers are ours)."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list = []
