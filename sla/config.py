"""The configuration as every process reads it: calendars, holidays, policies, stage targets and the
regions' zones — and what every new complaint reads besides (the first-line team, the open mass
incidents) — built from the database once and kept in memory until any of it changes.

A shared version number (in the cache, which is Redis in production and so shared by every web and
worker process) says when the memory is stale. It moves on after every write to a configuration table,
whoever makes it:

- a model saved or deleted anywhere — the admin, the shell, the API, a data migration (whose historical
  models are told apart by their label, `sla.slapolicy`, not by class) — through model signals;
- `QuerySet.update()`, `delete()` and the bulk writes, which send no signals, through the managers of
  the configuration models (`ConfigManager`, also used in migrations);
- `migrate` itself (post_migrate), whatever its migrations wrote.

STYLE keeps signals out of the domain: no state change hides behind one. Invalidating a cache is not a
change of state, and it must follow every write whatever path made it, which only signals see.
Only SQL written by hand against these tables escapes all three; after one, call `config_changed()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction

CONFIG_VERSION_KEY = "sla:config-version"

# The tables whose rows the memoised configuration is built from (model labels, lower case).
CONFIG_MODELS = frozenset(
    {
        "sla.businesscalendar",
        "sla.workinghours",
        "sla.calendarday",
        "sla.publicholiday",
        "sla.slapolicy",
        "sla.stagetarget",
        "tickets.region",
        # Read on every new complaint as well: the team that takes it first and the open mass incidents.
        "tickets.team",
        "tickets.incident",
        "tickets.incident_regions",
    }
)

_lock = threading.Lock()
_memo: dict[tuple[object, ...], object] = {}
_MEMO_LIMIT = 256
_table_seen = False  # the database cache's table, once seen, stays
# Inside `one_version()`: the version read at the block's first memoised read ([] until then).
_pinned: ContextVar[list[int] | None] = ContextVar("sla_config_version_pinned", default=None)

T = TypeVar("T")


def config_version() -> int:
    """The number that moves on whenever the configuration changes (inside `one_version()`, the number
    as the block first read it)."""
    pinned = _pinned.get()
    if pinned:
        return pinned[0]
    version = _shared_version()
    if pinned is not None:
        pinned.append(version)
    return version


@contextmanager
def one_version() -> Iterator[None]:
    """Within the block (a web request: sla.middleware), the shared version is read from the cache once,
    at the first read of the configuration, not at every one: a new complaint reads six memoised
    things (calendar, zones, policy, stage target, open incidents, first-line team), which cost six
    cache round trips before. A change made inside the block (`config_changed`) drops the pin, so the
    block reads its own change; a change made by another process meanwhile is seen from the next
    block on, as one made just after the block began always was."""
    token = _pinned.set([])
    try:
        yield
    finally:
        _pinned.reset(token)


def _shared_version() -> int:
    if not _shared_version_exists():
        return 1  # a fresh database before createcachetable: nothing memoised could be stale
    version = cache.get(CONFIG_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(CONFIG_VERSION_KEY, version, timeout=None)
    return int(version)


def _shared_version_exists() -> bool:
    """Whether the shared version can be read and moved. Only a database cache whose table is not made
    yet (a fresh database being migrated before `createcachetable`, as the embedded quick start does)
    cannot: no process has read a version from it, so there is nothing to move on, and touching the
    missing table would abort the migration's transaction."""
    global _table_seen
    if _table_seen:
        return True
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, DatabaseCache):
        connection = connections[router.db_for_write(backend.cache_model_class)]
        with connection.cursor() as cursor:
            if backend.cache_model_class._meta.db_table not in connection.introspection.table_names(cursor):
                return False
    _table_seen = True
    return True


def _bump() -> None:
    pinned = _pinned.get()
    if pinned:
        pinned.clear()  # the block reads the version again, after this change
    if not _shared_version_exists():
        with _lock:
            _memo.clear()
        return
    try:
        cache.incr(CONFIG_VERSION_KEY)
    except ValueError:  # not there yet (or the cache was emptied): any other number invalidates
        cache.set(CONFIG_VERSION_KEY, (config_version() or 1) + 1, timeout=None)
    with _lock:
        _memo.clear()


def config_changed() -> None:
    """Invalidate every process's memoised configuration: at once (this transaction reads its own
    change) and again when the transaction commits (another process that rebuilt its memory in between
    read the rows from before the commit)."""
    _bump()
    transaction.on_commit(_bump)


def memoised(key: tuple[object, ...], build: Callable[[], T]) -> T:
    """`build()`'s value for `key`, built once per configuration version in this process."""
    full_key = (config_version(), *key)
    with _lock:
        if full_key in _memo:
            return _memo[full_key]  # type: ignore[return-value]
    value = build()
    with _lock:
        if len(_memo) > _MEMO_LIMIT:
            _memo.clear()
        _memo[full_key] = value
    return value


def forget_memory() -> None:
    """Drop this process's memory (tests that change the configuration behind its back)."""
    with _lock:
        _memo.clear()


class ConfigQuerySet(models.QuerySet):
    """Bulk writes to a configuration table invalidate the configuration like single saves do."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        config_changed()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        result = super().delete()
        config_changed()
        return result

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(*args, **kwargs)
        config_changed()
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(*args, **kwargs)
        config_changed()
        return count


class ConfigManager(models.Manager.from_queryset(ConfigQuerySet)):  # type: ignore[misc]
    """The manager of every configuration model; kept in migrations so data migrations use it too."""

    use_in_migrations = True


def _is_config(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    return meta is not None and meta.label_lower in CONFIG_MODELS


def on_model_written(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete receiver (connected for every sender; see the module's docstring)."""
    if _is_config(sender):
        config_changed()


def on_relation_changed(sender: Any, **kwargs: Any) -> None:
    """m2m_changed receiver: an incident's regions are configuration too."""
    if _is_config(sender) and str(kwargs.get("action", "")).startswith("post_"):
        config_changed()


def on_migrated(**kwargs: Any) -> None:
    """post_migrate receiver: whatever the migrations wrote, the memory is stale."""
    config_changed()
