"""Throttles per client IP and per account, for sign-in, sign-up, reset and verification.

The client IP is DRF's `get_ident`: REMOTE_ADDR, or with NUM_PROXIES = n the n-th address from
the right of X-Forwarded-For (the one our own outermost proxy saw). With the default 0 the
header is ignored, so a client rotating it still counts as one client.
"""

from rest_framework.throttling import ScopedRateThrottle


class ClientIpThrottle(ScopedRateThrottle):
    """`throttle_scope` per client IP."""


class AccountThrottle(ScopedRateThrottle):
    """`<throttle_scope>-account` per account: the signed-in one, or the email the body names
    (so guessing one customer's password from many addresses is still limited)."""

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self.scope = f"{scope}-account"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super(ScopedRateThrottle, self).allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"id:{request.user.pk}"
        else:
            email = request.data.get("email") if hasattr(request.data, "get") else None
            if not isinstance(email, str) or not email.strip():
                return None  # nothing to count against; the IP throttle still applies
            ident = f"email:{email.strip().lower()}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


THROTTLES = [ClientIpThrottle, AccountThrottle]


class InvalidNotCounted:
    """View mixin: a request answered 400 (invalid input) is taken back out of its throttles'
    counts. It is counted first, as always, so concurrent requests still meet the limit; a 400
    created nothing and sent nothing, so mistyped sign-ups do not lock a storefront out."""

    def get_throttles(self):
        self.throttles_counted = super().get_throttles()
        return self.throttles_counted

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 400:
            for throttle in getattr(self, "throttles_counted", ()):
                _uncount(throttle)
        return response


def _uncount(throttle) -> None:
    key = getattr(throttle, "key", None)  # None: the throttle did not count this request
    if key is None:
        return
    history = throttle.cache.get(key, [])
    if throttle.now in history:
        history.remove(throttle.now)
        throttle.cache.set(key, history, throttle.duration)
