"""Fixtures shared by every test: people in each role, an API client, and the services' own way of
making customers and tickets (tests never build tickets behind the services' backs); and the process's
own state that a test leaves behind, put back before the next one (the cache, the SLA configuration's
memory, the broker back-off, the active language)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from helpdesk.lib.roles import Role
from notifications import services as notification_services
from sla import config as sla_config
from tests.tickets.factories import UserFactory
from tickets.services import intake

# No deadline on property tests: the first example of a test pays for what the process loads lazily
# (URL patterns, catalogues), and timings belong in bench/, not in tests (a run failed on one 256 ms
# first call).
hypothesis_settings.register_profile("helpdesk", deadline=None)
hypothesis_settings.load_profile("helpdesk")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Transactional tests (races, live server) flush every table when they end, which would take the
    migrations' reference data (groups, regions, teams, calendars, policies, rules) from the tests after
    them: they get serialized rollback, which restores it. Tests that need a real Redis are skipped,
    with the reason, when REDIS_URL is not set."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and marker.kwargs.get("transaction"))
        if transactional or "live_server" in getattr(item, "fixturenames", ()):
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


_serialized_contents: dict[str, str] = {}


def share_serialized_contents() -> None:
    """Keep serialized rollback working under Playwright. Its sync API runs an event loop in this
    thread, and while a loop runs Django keeps connections per async context: the connection a browser
    test uses is not the one the test database was serialized on, so it would neither restore the
    reference data nor spare it when flushing. Hand the serialized contents to whichever connection is
    current: before each test's fixtures, once Playwright has started, and before teardown."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            _serialized_contents[alias] = contents
        elif alias in _serialized_contents:
            connection._test_serialized_contents = _serialized_contents[alias]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """pytest-django's, then the serialized contents kept for share_serialized_contents."""
    share_serialized_contents()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    share_serialized_contents()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    share_serialized_contents()


# --- State of the process that outlives a test's transaction ------------------------------------------
# A test's rows are rolled back; what the process keeps in memory is not. Each of these is put back
# before every test and again after it, so no test depends on the order it runs in.


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """The test settings' cache is this process's memory (LocMemCache): the portal's rate-limit
    counters, the cached monthly PDFs and the SLA configuration's version number would otherwise carry
    over from the test before."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _sla_configuration_forgotten() -> Iterator[None]:
    """The SLA configuration is memoised per version (sla.config). A test that changes a calendar or a
    policy moves the version on, and its transaction is then rolled back, but the memory built from
    the rolled-back rows stays under that version: forget it, so the next test reads the database."""
    sla_config.forget_memory()
    yield
    sla_config.forget_memory()


@pytest.fixture(autouse=True)
def _broker_not_backed_off() -> Iterator[None]:
    """After one failed publish the process leaves the broker alone for BROKER_BACKOFF_SECONDS
    (notifications.services.broker). A test that stops Redis would otherwise make the next test's
    emails skip the broker without trying."""
    notification_services.broker.reset()
    yield
    notification_services.broker.reset()


@pytest.fixture(autouse=True)
def _ticket_numbers_taken_afresh() -> Iterator[None]:
    """Each process takes ticket numbers a block ahead (tickets.services.intake.number_block); a test that
    moves the sequence or changes the key must not get a number from the test before's block."""
    intake.number_block.reset()
    yield
    intake.number_block.reset()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """The portal activates its language for the thread (portal.views), and the test client runs every
    request in the test's thread, where it stays: a test after a portal page would read Indonesian
    where it expects the settings' language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def published() -> Iterator[list[tuple[str, Any]]]:
    """(task name, its positional arguments) of every task this process tries to publish to the broker
    during the test, seen through Celery's own before_task_publish signal, which fires before the
    message is handed to the broker, so an attempt that fails because the broker is away is counted
    too. Nothing is mocked: the broker is an edge, and this only watches what is sent to it."""
    seen: list[tuple[str, Any]] = []

    def record(sender: str, body: Any, **kwargs: Any) -> None:
        args = body[0] if isinstance(body, tuple) else body.get("args")
        seen.append((sender, list(args)))

    before_task_publish.connect(record, weak=False)
    try:
        yield seen
    finally:
        before_task_publish.disconnect(record)


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """make_user("agent", "supervisor", teams=[team]) -> a user holding those roles."""

    def make(*roles: str, teams: tuple[Any, ...] | list[Any] = (), **fields: Any) -> Any:
        user = UserFactory(**fields)
        for role in roles:
            user.groups.add(Group.objects.get(name=Role(role).value))
        for team in teams:
            team.members.add(user)
        return user

    return make


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """api(user) -> an API client signed in as that user (or anonymous with None)."""

    def client_for(user: Any = None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
