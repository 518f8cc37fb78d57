"""Sign-in throttling: at most LOGIN_FAILURE_LIMIT failures per account and per IP address
within a window of LOGIN_FAILURE_WINDOW seconds.

Counters live in Redis through Django's cache, so every web process shares them. The window
is fixed: it starts at the first failure and lasts LOGIN_FAILURE_WINDOW seconds; once the
limit is reached every attempt is refused until the window ends, the right password
included (otherwise the throttle would confirm a guessed password).

If Redis is unreachable the throttle fails open: signing in matters more than counting, and
the error is logged so the outage is seen.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = 15 * 60


def _account_key(email: str) -> str:
    # Hashed: the typed email may be anything, and must not become a cache key as-is.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"login-failures:account:{digest}"


def _ip_key(ip: str) -> str:
    return f"login-failures:ip:{ip}"


def _keys(*, email: str, ip: str | None) -> list[str]:
    keys = [_account_key(email)]
    if ip:
        keys.append(_ip_key(ip))
    return keys


def login_retry_after(*, email: str, ip: str | None) -> int | None:
    """Seconds until the account or the IP address may try again; None when neither is
    throttled (or when Redis cannot tell)."""
    keys = _keys(email=email, ip=ip)
    try:
        values = cache.get_many([*keys, *(f"{key}:until" for key in keys)])
    except RedisError:
        logger.exception("login throttle unavailable (Redis): allowing the attempt")
        return None
    now = time.time()
    waits = [
        max(1, int(values.get(f"{key}:until", now + LOGIN_FAILURE_WINDOW) - now))
        for key in keys
        if int(values.get(key, 0)) >= LOGIN_FAILURE_LIMIT
    ]
    return max(waits) if waits else None


def login_failure_record(*, email: str, ip: str | None) -> None:
    """Count one failed sign-in against the account and the IP address."""
    try:
        for key in _keys(email=email, ip=ip):
            # The first failure opens the window; later ones count inside it. INCR keeps the
            # key's expiry, so the window does not slide with every failure.
            cache.add(f"{key}:until", time.time() + LOGIN_FAILURE_WINDOW, LOGIN_FAILURE_WINDOW)
            cache.add(key, 0, LOGIN_FAILURE_WINDOW)
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add() and incr()
                cache.add(key, 1, LOGIN_FAILURE_WINDOW)
    except RedisError:
        logger.exception("login throttle unavailable (Redis): failure not counted")


def login_failures_clear(*, email: str) -> None:
    """Forget the account's failures after a successful sign-in. The IP address keeps its
    count: one valid account must not reset the counter of someone trying many others."""
    key = _account_key(email)
    try:
        cache.delete_many([key, f"{key}:until"])
    except RedisError:
        logger.exception("login throttle unavailable (Redis): failures not cleared")


def cooldown_start(*, key: str, seconds: int) -> bool:
    """Start a cooldown named `key`; False when one is already running (the caller should
    not repeat its action yet). Fails open when Redis is unreachable."""
    digest = hashlib.sha256(key.encode()).hexdigest()  # keys may hold emails: keep them out
    try:
        return bool(cache.add(f"cooldown:{digest}", 1, seconds))
    except RedisError:
        logger.exception("cooldown unavailable (Redis): allowing %s", key.split(":", 1)[0])
        return True
