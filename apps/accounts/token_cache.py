"""API tokens remembered in the cache, so an authenticated request costs no SQL.

An entry is keyed by the token's digest (knox's primary key: the token itself is never
stored) and holds the token row and the account's fields minus the secret and the counters
(`password`, `last_login` and `version` stay deferred: read from the database when touched,
and a save of the user then writes only what it loaded).

It only ever says yes sooner. Whatever is not plainly valid in the cache (no entry, an expiry
passed, a tombstone) is decided by the database, as without the cache.

Invalidation is explicit, from the models' signals, so it covers every way a token goes:
signing out, signing out everywhere, password change or reset, account deletion (cascade),
the purge of expired tokens, the admin. A deleted token, or an account whose cached fields
changed, leaves a tombstone, not a gap: entries are written with `add`, so a request that read
the row just before the change cannot put the old one back. A tombstone outlives any such
read (seconds) and then lets the cache fill again. Invalidation fails closed: if the cache
cannot be told, the change that needed it fails (the admin or the API answers 503, the client
retries) rather than leave a revoked token working until its entry's TTL.
"""

import structlog
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from knox.models import AuthToken

from apps.accounts.models import User

logger = structlog.get_logger(__name__)

ENTRY_TTL = 300  # seconds; bounds what a missed invalidation (a raw SQL edit) could leave behind
TOMBSTONE_TTL = 60
_TOMBSTONE = "stale"
_TOKEN_FIELDS = ("digest", "token_key", "user_id", "created", "expiry")
# Deferred, never cached: the hash, and fields saved on their own (login time, event version).
_UNCACHED_USER_FIELDS = frozenset({"password", "last_login", "version"})
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname not in _UNCACHED_USER_FIELDS)


def _key(digest: str) -> str:
    return f"accounts:token:{digest}"


def cached_token(digest: str) -> AuthToken | None:
    """The token with its user, as cached; None when the database must decide."""
    try:
        entry = cache.get(_key(digest))
    except Exception:  # cache down: the database answers, as before the cache
        return None
    if not isinstance(entry, tuple):
        return None
    token_values, user_values = entry
    token = AuthToken.from_db("default", _TOKEN_FIELDS, token_values)
    token.user = User.from_db("default", _USER_FIELDS, user_values)
    return token


def remember(token: AuthToken) -> None:
    """Cache a token the database just vouched for (unless a tombstone says it just changed)."""
    user = token.user
    entry = (
        tuple(getattr(token, field) for field in _TOKEN_FIELDS),
        tuple(getattr(user, field) for field in _USER_FIELDS),
    )
    try:
        cache.add(_key(token.digest), entry, timeout=ENTRY_TTL)
    except Exception:
        logger.debug("token_cache_fill_failed")


def forget(digests: list[str]) -> None:
    """Tombstone these tokens' entries. Raises if the cache cannot be written (fail closed)."""
    if digests:
        cache.set_many({_key(digest): _TOMBSTONE for digest in digests}, timeout=TOMBSTONE_TTL)


def _token_saved(sender, instance: AuthToken, created=False, update_fields=None, **kwargs) -> None:
    # A new token has no entry; a renewal only extends the expiry, and an entry holding the
    # older one sends the token to the database once it passes.
    if not created and not (update_fields is not None and set(update_fields) <= {"expiry"}):
        forget([instance.digest])


def _token_deleted(sender, instance: AuthToken, **kwargs) -> None:
    forget([instance.digest])


def _user_changed(sender, instance: User, update_fields=None, created=False, **kwargs) -> None:
    if created or (update_fields is not None and set(update_fields) <= _UNCACHED_USER_FIELDS):
        return  # nothing cached changed (a login time, a password rehash, an event version)
    forget(list(AuthToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True)))


def connect() -> None:
    post_save.connect(_token_saved, sender=AuthToken, dispatch_uid="accounts.token_cache.saved")
    post_delete.connect(_token_deleted, sender=AuthToken, dispatch_uid="accounts.token_cache.deleted")
    post_save.connect(_user_changed, sender=User, dispatch_uid="accounts.token_cache.user")
