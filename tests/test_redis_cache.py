"""The Redis cache backend (helpdesk.lib.cache): Django's, keeping one Redis client per connection pool
instead of building one for every operation. Against the real Redis of REDIS_URL."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest

from helpdesk.lib.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def backend() -> Iterator[RedisCache]:
    prefix = f"test-cache-{uuid.uuid4().hex[:8]}"
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_the_base_settings_use_it_when_redis_is_configured() -> None:
    from helpdesk.settings import base

    assert os.environ["REDIS_URL"] == base.REDIS_URL
    assert base.CACHES == {
        "default": {"BACKEND": "helpdesk.lib.cache.RedisCache", "LOCATION": base.REDIS_URL}
    }


def test_one_client_serves_every_operation(backend: RedisCache) -> None:
    first = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is first
    assert backend._cache.get_client("any key") is first


def test_it_reads_and_writes_as_djangos_backend_does(backend: RedisCache) -> None:
    assert backend.get("missing", "default") == "default"
    backend.set("version", 7, timeout=None)
    assert backend.incr("version") == 8
    assert backend.add("version", 1) is False
    assert backend.add("fresh", {"a": [1, 2]}, timeout=60) is True
    assert backend.get_many(["version", "fresh", "missing"]) == {"version": 8, "fresh": {"a": [1, 2]}}
    backend.delete("fresh")
    assert backend.get("fresh") is None
    with pytest.raises(ValueError):
        backend.incr("fresh")


def test_threads_share_the_client_safely(backend: RedisCache) -> None:
    backend.set("counter", 0, timeout=60)
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(50):
                backend.incr("counter")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.get("counter") == 200
