"""Fixtures shared by every test: people in each role, an API client, and the services' own way of
making customers and tickets (tests never build tickets behind the services' backs)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from helpdesk.lib.roles import Role
from tests.tickets.factories import UserFactory


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
