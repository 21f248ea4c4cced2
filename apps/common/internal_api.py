"""Service-to-service endpoints (`/api/v1/internal/...`): what a module deployed on its own asks
of the module that owns the data. The caller sends `Authorization: Service <token>`, one token
per calling service (INTERNAL_API_TOKENS); customers' and staff tokens are not accepted there.
Each endpoint names the services that may call it (`callers`): a token taken from one service
opens only what that service needs."""

from dataclasses import dataclass
from hmac import compare_digest

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from apps.common.authentication import AccountlessPrincipal, KeywordTokenAuthentication

KEYWORD = "Service"


@dataclass(frozen=True)
class ServicePrincipal(AccountlessPrincipal):
    """A calling service, known by its name in INTERNAL_API_TOKENS."""

    name: str

    @property
    def pk(self) -> str:
        return f"service:{self.name}"


class ServiceTokenAuthentication(KeywordTokenAuthentication):
    keyword, token_name = KEYWORD, "service"

    def authenticate_token(self, presented: bytes):
        # Every token compared, in constant time each: the answer does not tell which one was close.
        matches = [
            name
            for name, token in settings.INTERNAL_API_TOKENS.items()
            if token and compare_digest(presented, token.encode())
        ]
        if not matches:
            raise exceptions.AuthenticationFailed("Invalid service token.")
        return ServicePrincipal(matches[0]), None


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


class NamedCaller(BasePermission):
    """The calling service is one of the view's `callers` (a 403 problem otherwise)."""

    def has_permission(self, request, view) -> bool:
        name = getattr(request.user, "name", "")
        if name in view.callers:
            return True
        self.message = f"Service {name!r} may not call this endpoint."
        return False


class InternalView(APIView):
    """Base of the internal endpoints: service tokens only, each endpoint open to the services
    it names in `callers` (none named: none may call), no throttling (callers are ours)."""

    callers: tuple[str, ...] = ()
    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsAuthenticated, NamedCaller]
    throttle_classes: list = []
