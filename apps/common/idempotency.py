"""Idempotency-Key on POST endpoints: a retry with the same key and body gets the first answer
again (`Idempotent-Replayed: true`) instead of repeating the effect.

A key is scoped to (user, method + path). The request claims it in a committed write before the
view runs, so a concurrent duplicate sees the claim (409, Retry-After: 1) rather than running too.
Answers the client may correct and retry (400, 401, 403, 415, 429) and server errors release the
claim; every other answer is stored for IDEMPOTENCY_TTL and replayed byte for byte.

Known window: the view's effect and the stored answer are two commits. A process that dies between
them leaves an in-flight claim, which the next retry takes over after IDEMPOTENCY_IN_FLIGHT_TIMEOUT
and runs the view again.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.db import insert_one
from apps.common.models import IdempotencyKey
from apps.common.problems import PROBLEM_CONTENT_TYPE, problem_body

logger = structlog.get_logger(__name__)
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Not stored: the client can correct the request and retry under the same key (400, 401, 403,
# 415, 429), or the server failed and the outcome says nothing final (>= 500).
_RETRYABLE_STATUSES = frozenset({400, 401, 403, 415, 429})
_INVALID_KEY = f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_key_reused"


class IdempotencyKeyInFlight(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still in progress; retry shortly."
    default_code = "idempotency_key_in_flight"
    wait = 1  # the problem exception handler answers it as Retry-After: 1


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorator for an APIView's post(self, request, *args, **kwargs): requires an
    Idempotency-Key header and answers a retry with the stored first answer."""

    @functools.wraps(view_method)
    def wrapper(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if (problem := _key_problem(request, key)) is not None:
            return problem
        if not request.user.is_authenticated:
            # Keys are per user: shared anonymous keys would replay one client's answer to another.
            raise exceptions.NotAuthenticated()
        scope = {
            "principal": str(request.user.pk),
            "endpoint": f"{request.method} {request.path}",
            "key": key,
        }
        fingerprint = _fingerprint(request.data)
        try:
            claim = _claim(scope, fingerprint)
        except DatabaseError:
            _abandon(scope)  # the INSERT may have committed before the connection died
            raise
        if isinstance(claim, Response):
            return claim
        try:
            try:
                response = view_method(self, request, *args, **kwargs)
            except Exception as exc:
                response = self.handle_exception(exc)  # DRF's own; re-raises what it cannot answer
        except BaseException:
            _settle(scope, lambda: _release(claim))
            raise
        if isinstance(response, Response) and _storable(response.status_code):
            _settle(scope, lambda: _complete(claim, response))
        else:
            _settle(scope, lambda: _release(claim))
        return response

    return wrapper


def idempotency_keys_purge() -> int:
    """Delete the records past their expiry; returns how many were deleted."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _key_problem(request: Request, key: str | None) -> Response | None:
    # Built here, not raised: the exception handler would point at a body field, not a header.
    if key is None:
        code, detail = "required", f"The {HEADER} header is required on this endpoint."
    elif 1 <= len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable():
        return None
    else:
        code, detail = "invalid", _INVALID_KEY
    error = {"header": HEADER, "detail": detail, "code": code}
    body = problem_body(
        status=400, slug=f"idempotency-key-{code}", detail=detail, instance=request.path, errors=[error]
    )
    return Response(body, status=400, content_type=PROBLEM_CONTENT_TYPE)


def _fingerprint(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(scope: dict[str, str], fingerprint: str) -> IdempotencyKey | Response:
    """Our in-flight record, or the stored answer to replay; 422/409 when neither."""
    now = timezone.now()
    fresh = {
        "fingerprint": fingerprint,
        "state": IdempotencyKey.State.IN_FLIGHT,
        "created_at": now,
        "expires_at": now + settings.IDEMPOTENCY_TTL,
    }
    try:
        # Insert first: a new key (the usual case) costs one statement. Concurrent first requests
        # meet at the unique constraint: one inserts, the others read what it inserted.
        return insert_one(IdempotencyKey, **scope, **fresh)
    except IntegrityError:
        record = IdempotencyKey.objects.filter(**scope).first()
    if record is None:
        raise IdempotencyKeyInFlight()  # inserted and released between our insert and read
    if record.expires_at <= now:
        return _take_over(record, fresh)  # an expired key is free again, whatever body it had
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyKey.State.COMPLETED:
        return _replay(record)
    if record.created_at > now - settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT:
        if not _abandoned(scope):
            raise IdempotencyKeyInFlight()
        _forget_abandoned(scope)  # one takeover per abandonment; later duplicates wait as usual
    return _take_over(record, fresh)  # the process that claimed it died, or gave up in an outage


def _take_over(record: IdempotencyKey, fresh: dict[str, Any]) -> IdempotencyKey:
    # Conditional on the state we read: of several takers only one matches; the others get 409.
    taken = (
        _owned(record)
        .filter(state=record.state)
        .update(**fresh, response_status=None, response_body="", response_content_type="", completed_at=None)
    )
    if not taken:
        raise IdempotencyKeyInFlight()
    for field, value in fresh.items():
        setattr(record, field, value)
    return record


def _replay(record: IdempotencyKey) -> Response:
    data = json.loads(record.response_body) if record.response_body else None
    return Response(
        data,
        status=record.response_status,
        content_type=record.response_content_type,
        headers={REPLAYED_HEADER: "true"},
    )


def _storable(status: int) -> bool:
    return status < 500 and status not in _RETRYABLE_STATUSES


def _complete(claim: IdempotencyKey, response: Response) -> None:
    # Rendered the way the answer was (DRF's encoder: Decimal, UUID, datetime as in the response).
    body = JSONRenderer().render(response.data).decode()
    _owned(claim).filter(state=IdempotencyKey.State.IN_FLIGHT).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=response.status_code,
        response_body=body,
        response_content_type=response.content_type or "application/json",
        completed_at=timezone.now(),
    )


def _release(claim: IdempotencyKey) -> None:
    _owned(claim).filter(state=IdempotencyKey.State.IN_FLIGHT).delete()


def _settle(scope: dict[str, str], write: Callable[[], None]) -> None:
    try:
        write()
    except DatabaseError:
        _abandon(scope)
        raise


def _abandon(scope: dict[str, str]) -> None:
    """The database went away mid-request (claim, completion or release failed): the key may be
    left in flight, and the retry after our 503 would get 409 until IDEMPOTENCY_IN_FLIGHT_TIMEOUT.
    Say in the cache that nobody owns it any more, so the retry takes it over at once."""
    try:
        cache.set(
            _abandoned_key(scope), 1, timeout=int(settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT.total_seconds())
        )
    except Exception:  # cache down too: the in-flight timeout still frees the key
        logger.warning("idempotency_claim_not_released", endpoint=scope["endpoint"])


def _abandoned_key(scope: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()
    return f"idempotency:abandoned:{digest}"


def _forget_abandoned(scope: dict[str, str]) -> None:
    try:
        cache.delete(_abandoned_key(scope))
    except Exception:
        logger.warning("idempotency_abandoned_mark_not_cleared", endpoint=scope["endpoint"])


def _abandoned(scope: dict[str, str]) -> bool:
    try:
        return bool(cache.get(_abandoned_key(scope)))
    except Exception:
        return False


def _owned(claim: IdempotencyKey):
    # created_at is the claim's token: after a takeover the superseded request matches nothing.
    return IdempotencyKey.objects.filter(pk=claim.pk, created_at=claim.created_at)
