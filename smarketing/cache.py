"""The shared cache on Redis, for which a Redis that is down is a cache miss, not an error.

Pages keep values here that they can always compute from the database (the board's stage
counts, the active MQL criteria, an import's progress). With Redis unreachable, a read misses
and the caller computes the value; a write is dropped and logged. A dropped write (a set, an
increment, a delete) can leave Redis holding a value that is no longer true when it answers
again, so its key is remembered and deleted before anything else is asked of Redis: the value
is computed afresh on the next read. The key is remembered by the process whose write failed,
so another process may read the old value until this one reaches Redis again or the key
expires (the stage counts are kept 5 minutes at most).

After a failure, Redis is not asked again for ``RETRY_AFTER`` seconds: a Redis that does not
answer (rather than refusing connections) then costs one request its socket timeout, not every
request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER = 5.0
# Seconds to wait for Redis to accept a connection or answer a command before giving up.
SOCKET_TIMEOUT = 1.0
# Keys whose writes were dropped that a process remembers; past this, the oldest writes are only
# corrected by their keys' timeouts.
STALE_LIMIT = 10_000


class _UnreachableError(Exception):
    """Redis was not asked: it failed less than ``RETRY_AFTER`` seconds ago."""


class RobustRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, answering as a cache without Redis when Redis is down."""

    def __init__(self, servers, **options) -> None:
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(servers, **options)
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._stale: dict[str, None] = {}  # an ordered set: the oldest first

    def _reach(self, call: Callable[[], T], written: Iterable[str] = ()) -> T:
        """Run ``call`` on Redis, first deleting the keys whose writes were dropped; raises
        ``_UnreachableError`` (remembering ``written``) when Redis is down."""
        try:
            if time.monotonic() < self._retry_at:
                raise _UnreachableError
            self._stale_delete()
            return call()
        except (redis.RedisError, _UnreachableError) as error:
            self._unreachable(error, written)
            raise _UnreachableError from error

    def _stale_delete(self) -> None:
        with self._lock:
            stale, self._stale = list(self._stale), {}
        if not stale:
            return
        try:
            super().delete_many(stale)
        except redis.RedisError:
            with self._lock:
                self._stale = dict.fromkeys([*stale, *self._stale])
            raise
        logger.info("Redis answers again: %d values whose writes failed are deleted.", len(stale))

    def _unreachable(self, error: Exception, written: Iterable[str]) -> None:
        with self._lock:
            self._stale.update(dict.fromkeys(written))
            while len(self._stale) > STALE_LIMIT:
                del self._stale[next(iter(self._stale))]
            if isinstance(error, _UnreachableError):
                return
            self._retry_at = time.monotonic() + RETRY_AFTER
        logger.warning(
            "The cache's Redis is unreachable (%s): values are computed without it for %.0f s.",
            error,
            RETRY_AFTER,
        )

    def _read(self, call: Callable[[], T], missing: T) -> T:
        try:
            return self._reach(call)
        except _UnreachableError:
            return missing

    def _write(self, call: Callable[[], T], keys: Iterable[str], dropped: T) -> T:
        keys = list(keys)
        try:
            return self._reach(call, written=keys)
        except _UnreachableError:
            return dropped

    # Reads: a miss.

    def get(self, key, default):
        parent = super()
        return self._read(lambda: parent.get(key, default), default)

    def get_many(self, keys):
        parent = super()
        return self._read(lambda: parent.get_many(keys), {})

    def has_key(self, key):
        parent = super()
        return self._read(lambda: parent.has_key(key), False)

    def touch(self, key, timeout):
        parent = super()
        return self._read(lambda: parent.touch(key, timeout), False)

    # Writes: dropped, and their keys deleted once Redis answers again.

    def add(self, key, value, timeout):
        parent = super()
        return self._write(lambda: parent.add(key, value, timeout), [key], False)

    def set(self, key, value, timeout):
        parent = super()
        return self._write(lambda: parent.set(key, value, timeout), [key], None)

    def set_many(self, data, timeout):
        parent = super()
        return self._write(lambda: parent.set_many(data, timeout), data, None)

    def delete(self, key):
        parent = super()
        return self._write(lambda: parent.delete(key), [key], False)

    def delete_many(self, keys):
        parent = super()
        return self._write(lambda: parent.delete_many(keys), keys, None)

    def incr(self, key, delta):
        """Add ``delta`` to a cached integer; raises ``ValueError`` when the key is missing, and
        also when Redis is down: its value is then unknown, as for a key not cached."""
        parent = super()
        try:
            return self._reach(lambda: parent.incr(key, delta), written=[key])
        except _UnreachableError as error:
            raise ValueError(f"Key {key!r} could not be reached.") from error

    def clear(self):
        """Empty the cache's database; with Redis down, nothing is cleared (and it is said)."""
        parent = super()
        return self._read(parent.clear, False)

    def ping(self) -> None:
        """Ask Redis to answer, raising its error when it does not (for the health check)."""
        self.get_client(write=True).ping()


class RedisCache(DjangoRedisCache):
    """Django's Redis cache whose reads miss and writes drop while Redis is down
    (``RobustRedisCacheClient``)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RobustRedisCacheClient

    def ping(self) -> None:
        self._cache.ping()
