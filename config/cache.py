"""Django's Redis cache, but a Redis that is down is a cache miss, not a 500.

In the full stack Redis is the broker and the cache. The cache only holds what can be
recomputed (throttle counters, the content version of anonymous pages), so while Redis is
down reads miss, writes are dropped, and the site keeps serving pages.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for a moment instead of waiting on a connect timeout per call.
RETRY_AFTER_SECONDS = 2.0


class TolerantRedisCacheClient(RedisCacheClient):
    _down_until = 0.0

    def _call(self, name: str, fallback: Any, *args: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args)
        except DOWN as exc:
            TolerantRedisCacheClient._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("the cache is unavailable (%s); serving without it", exc)
            return fallback

    def add(self, key: Any, value: Any, timeout: Any) -> Any:
        return self._call("add", False, key, value, timeout)

    def get(self, key: Any, default: Any) -> Any:
        return self._call("get", default, key, default)

    def set(self, key: Any, value: Any, timeout: Any) -> Any:
        return self._call("set", None, key, value, timeout)

    def touch(self, key: Any, timeout: Any) -> Any:
        return self._call("touch", False, key, timeout)

    def delete(self, key: Any) -> Any:
        return self._call("delete", False, key)

    def get_many(self, keys: Any) -> Any:
        return self._call("get_many", {}, keys)

    def has_key(self, key: Any) -> Any:
        return self._call("has_key", False, key)

    def incr(self, key: Any, delta: Any) -> Any:
        if time.monotonic() < self._down_until:
            raise ValueError("the cache is unavailable")
        try:
            return super().incr(key, delta)
        except DOWN as exc:
            TolerantRedisCacheClient._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            raise ValueError("the cache is unavailable") from exc

    def set_many(self, data: Any, timeout: Any) -> Any:
        return self._call("set_many", None, data, timeout)

    def delete_many(self, keys: Any) -> Any:
        return self._call("delete_many", None, keys)

    def clear(self) -> Any:
        return self._call("clear", False)


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        # Fail fast: a cache that answers slowly is worse than none.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
