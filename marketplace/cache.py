"""The cache backend: Redis, but a Redis outage is a cache miss, not a failed page.

Sessions (`cached_db`), the homepage sections and the category tree all read through the
cache and fall back to PostgreSQL on a miss, so with this backend signed-in pages and the
API keep working while Redis is down. Counters (`incr`, used by throttling) still raise:
their callers decide what an outage means for them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_MISSING = object()


class ResilientRedisCache(RedisCache):
    _warned_at = 0.0

    def _outage(self, operation: str, error: RedisError) -> None:
        # One warning a minute: an outage would otherwise log on every request.
        now = time.monotonic()
        if now - ResilientRedisCache._warned_at > 60:
            ResilientRedisCache._warned_at = now
            logger.warning("cache %s failed, treating it as a miss: %s", operation, error)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._outage("get", error)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._outage("get_many", error)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._outage("has_key", error)
            return False

    def set(self, key: Any, value: Any, timeout: Any = _MISSING, version: Any = None) -> None:
        try:
            if timeout is _MISSING:
                super().set(key, value, version=version)
            else:
                super().set(key, value, timeout, version)
        except RedisError as error:
            self._outage("set", error)

    def set_many(self, data: Any, timeout: Any = _MISSING, version: Any = None) -> list[Any]:
        try:
            if timeout is _MISSING:
                return super().set_many(data, version=version)
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._outage("set_many", error)
            return list(data)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._outage("delete", error)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            self._outage("delete_many", error)

    def touch(self, key: Any, timeout: Any = _MISSING, version: Any = None) -> bool:
        try:
            if timeout is _MISSING:
                return super().touch(key, version=version)
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._outage("touch", error)
            return False
