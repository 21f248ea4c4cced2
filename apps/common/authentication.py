"""What the API's non-account credentials share: a principal with no account and no permissions,
and the `Authorization: <Keyword> <token>` header they arrive in."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header


class AccountlessPrincipal:
    """Authenticated (so Idempotency-Key works, scoped to the principal's `pk`) but no account:
    no permissions, never staff."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def has_perm(self, perm: str, obj=None) -> bool:
        return False


class KeywordTokenAuthentication(BaseAuthentication):
    """`Authorization: <keyword> <token>`; another keyword is not ours (None), a malformed header is a 401."""

    keyword: str
    token_name: str  # in the message of a malformed header: "the guest token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                f"Send the {self.token_name} token as `Authorization: {self.keyword} <token>`."
            )
        return self.authenticate_token(parts[1])

    def authenticate_token(self, token: bytes):
        raise NotImplementedError

    def authenticate_header(self, request) -> str:
        return self.keyword
