"""API tokens (django-rest-knox): issue, revoke, purge. Only digests are stored."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken

from apps.accounts.models import User


@transaction.atomic
def token_issue(*, user: User) -> tuple[str, datetime | None]:
    """A new API token for one device (sign-in); returns it with its expiry. Only its digest is
    stored: the token itself is never seen again. Past ACCOUNTS_TOKENS_PER_ACCOUNT live tokens,
    the oldest are revoked (two racing sign-ins may leave one extra: harmless)."""
    live = AuthToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
    keep = settings.ACCOUNTS_TOKENS_PER_ACCOUNT - 1
    surplus = list(live.order_by("-created").values_list("digest", flat=True)[keep:])
    if surplus:
        AuthToken.objects.filter(digest__in=surplus).delete()
    instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


def token_from_legacy(*, user: User, key: str) -> AuthToken:
    """The hashed form of a plain DRF token: the same key keeps working until
    ACCOUNTS_LEGACY_TOKEN_TTL from now."""
    now = timezone.now()
    auth_token, _ = AuthToken.objects.get_or_create(
        digest=hash_token(key),
        defaults={"token_key": key[:15], "user": user, "expiry": now + settings.ACCOUNTS_LEGACY_TOKEN_TTL},
    )
    return auth_token


@transaction.atomic  # with its cache tombstone (token_cache.py): if that fails, nothing is revoked
def token_revoke(*, token: AuthToken) -> None:
    """Sign one device out: the token is deleted, so it can never authenticate again."""
    AuthToken.objects.filter(digest=token.digest).delete()


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    """Sign out everywhere; returns how many tokens were revoked."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def tokens_purge_expired() -> int:
    """Delete tokens expired longer ago than ACCOUNTS_EXPIRED_TOKEN_RETENTION."""
    cutoff = timezone.now() - settings.ACCOUNTS_EXPIRED_TOKEN_RETENTION
    deleted, _ = AuthToken.objects.filter(expiry__lt=cutoff).delete()
    return deleted
