"""API token authentication: hashed, expiring knox tokens, sent as `Bearer` or `Token`.

Only a SHA-512 digest of each token is stored (knox), so a copy of the database signs nobody
in. Plain DRF tokens issued before this release are turned into knox tokens by migration
accounts.0003; one issued by an old process during the deploy is turned into one on first use.
"""

from hmac import compare_digest

from django.db import transaction
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.authtoken.models import Token as LegacyToken

from apps.accounts import token_cache, tokens

PREFIXES = (b"bearer", b"token")  # `Token` for clients written before Bearer was accepted
LEGACY_KEY_LENGTH = 40  # DRF authtoken keys: 40 hex characters


class TokenInvalid(exceptions.AuthenticationFailed):
    default_detail = "The token is not valid: it was revoked (signed out) or never existed."
    default_code = "token_invalid"


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>` or `Authorization: Token <token>`.

    No query for a token the cache vouches for (token_cache.py), else one (token and user
    together); the expiry is written at most once a day (knox's MIN_REFRESH_INTERVAL). Expired
    tokens stay in the table until purged, so their holder is told "expired" rather than "invalid".
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in PREFIXES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: send `Bearer <token>` with no spaces in the token."
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenInvalid() from None
        return self.authenticate_credentials(token)

    def authenticate_credentials(self, token: str):
        digest = hash_token(token)
        cached = token_cache.cached_token(digest)
        if cached is not None and (cached.expiry is None or cached.expiry > timezone.now()):
            self.renew_token(cached)
            return self.validate_user(cached)
        for auth_token in AuthToken.objects.filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user"):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                raise TokenExpired(
                    f"The token expired at {auth_token.expiry:%Y-%m-%d %H:%M} UTC; sign in again for a new one."
                )
            self.renew_token(auth_token)
            user_and_token = self.validate_user(auth_token)
            token_cache.remember(auth_token)
            return user_and_token
        if len(token) == LEGACY_KEY_LENGTH:
            return self._authenticate_legacy(token)
        raise TokenInvalid()

    def renew_token(self, auth_token) -> None:
        if knox_settings.AUTO_REFRESH and auth_token.expiry is not None:
            super().renew_token(auth_token)

    def validate_user(self, auth_token):
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is deactivated.")
        return auth_token.user, auth_token

    def _authenticate_legacy(self, key: str):
        """A plain DRF token an old process issued after the migration ran: hash it, forget the
        plain one, and let the client in as if nothing happened."""
        with transaction.atomic():
            legacy = LegacyToken.objects.select_for_update().select_related("user").filter(key=key).first()
            if legacy is None:
                raise TokenInvalid()
            auth_token = tokens.token_from_legacy(user=legacy.user, key=key)
            legacy.delete()
        return self.validate_user(auth_token)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
