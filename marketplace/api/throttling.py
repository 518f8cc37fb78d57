"""Request rate limits for the API, counted in the Django cache (Redis).

Rates come from settings.API_THROTTLE_RATES ("<requests>/<s|min|h|day>"), read on every
request so tests and operators can change them. A refused request is a 429 in the error
shape with a `Retry-After` header (django-ninja adds it from `wait()`).
"""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja.throttling import BaseThrottle
from redis.exceptions import RedisError

from marketplace.http import client_ip

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "day": 86400}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def rate_parse(rate: str) -> tuple[int, int]:
    """ "20/min" → (20, 60): requests allowed per window of that many seconds."""
    count, _, unit = rate.partition("/")
    if unit not in PERIODS or not count.isdigit():
        raise ImproperlyConfigured(f"Throttle rate {rate!r} is not '<requests>/<s|min|h|day>'")
    return int(count), PERIODS[unit]


class WindowThrottle(BaseThrottle):
    """At most N requests per window for one identity; the window opens with the
    identity's first request and lasts the rate's period.

    The counter is a cache INCR, atomic in Redis, so concurrent requests cannot all slip
    under the limit (django-ninja's SimpleRateThrottle reads, appends and writes a list).
    """

    def __init__(self, *, scope: str) -> None:
        self.scope = scope
        # One instance serves every request of its operations: keep the answer for
        # `wait()` per thread.
        self._local = threading.local()

    def identity(self, request: HttpRequest) -> str | None:
        """Whom to count, or None to let the request through uncounted."""
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        identity = self.identity(request)
        if identity is None:
            return True
        limit, period = rate_parse(settings.API_THROTTLE_RATES[self.scope])
        now = time.time()
        count_key = f"throttle:{self.scope}:{identity}"
        opened_key = f"{count_key}:opened"
        try:
            count = self._count(count_key=count_key, opened_key=opened_key, now=now, period=period)
            if count <= limit:
                return True
            opened = cache.get(opened_key, now)
        except RedisError:
            # Fail open: serving requests matters more than counting them; the log shows it.
            logger.exception("API throttle unavailable (Redis): allowing the request")
            return True
        self._local.wait = opened + period - now
        return False

    def wait(self) -> float | None:
        return max(1, math.ceil(getattr(self._local, "wait", 1)))

    @staticmethod
    def _count(*, count_key: str, opened_key: str, now: float, period: int) -> int:
        """This request's number in the identity's current window."""
        if not cache.add(count_key, 1, timeout=period):
            try:
                return cache.incr(count_key)
            except ValueError:
                pass  # the window closed between add and incr: this request opens the next
            cache.set(count_key, 1, timeout=period)
        cache.set(opened_key, now, timeout=period)
        return 1


class ClientIPThrottle(WindowThrottle):
    """Every request, counted per client IP (sign-in, registration, password reset)."""

    def identity(self, request: HttpRequest) -> str | None:
        ip = client_ip(request)
        return f"ip:{ip}" if ip else None


class WriteThrottle(WindowThrottle):
    """Writes (not GET/HEAD/OPTIONS), counted per signed-in user, else per client IP."""

    def identity(self, request: HttpRequest) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        user = getattr(request, "auth", None)
        if user is not None and getattr(user, "pk", None) is not None:
            return f"user:{user.pk}"
        ip = client_ip(request)
        return f"ip:{ip}" if ip else None


auth_throttle = ClientIPThrottle(scope="auth")
write_throttle = WriteThrottle(scope="write")
