"""The SLA configuration every process memoises (sla.config) follows every change, whoever makes it:
the shell (a model saved), the API or a script (a bulk update), a data migration (historical models),
with no help from the admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from sla import selectors
from sla.config import CONFIG_VERSION_KEY, config_version
from sla.models import SlaPolicy
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tickets.models import Region

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 09:00 WIB


def response_hours(ticket: Any) -> float:
    return (ticket.first_response_due - ticket.reported_at) / dt.timedelta(hours=1)


def minor_regular() -> SlaPolicy:
    return SlaPolicy.objects.get(classification="minor", tier="regular")


@pytest.mark.django_db
def test_a_policy_saved_from_the_shell_applies_to_the_next_ticket() -> None:
    assert response_hours(make_ticket(now=T0, reported_at=T0)) == 2  # memoised now
    policy = minor_regular()
    policy.response_amount = 3
    policy.save()
    assert response_hours(make_ticket(now=T0, reported_at=T0)) == 3


@pytest.mark.django_db
def test_a_bulk_update_invalidates_too() -> None:
    before = config_version()
    selectors.policy_targets(classification="minor", tier="regular", region_id=None)
    SlaPolicy.objects.filter(classification="minor").update(response_amount=4)
    assert config_version() > before
    assert response_hours(make_ticket(now=T0, reported_at=T0)) == 4


@pytest.mark.django_db
def test_a_data_migration_writing_through_historical_models_invalidates() -> None:
    selectors.policy_targets(classification="minor", tier="regular", region_id=None)
    historical = MigrationLoader(connection).project_state().apps.get_model("sla", "SlaPolicy")
    assert historical is not SlaPolicy
    row = historical.objects.get(classification="minor", tier="regular")
    row.response_amount = 5
    row.save()
    assert response_hours(make_ticket(now=T0, reported_at=T0)) == 5
    historical.objects.filter(classification="minor", tier="regular").update(response_amount=6)
    assert response_hours(make_ticket(now=T0, reported_at=T0)) == 6


@pytest.mark.django_db
def test_a_region_moved_to_another_zone_gives_new_tickets_the_new_zone() -> None:
    region = Region.objects.get(code="dps")
    service = ServiceFactory(customer=CustomerFactory(region=region), region=region)
    assert make_ticket(service=service, now=T0).time_zone == "Asia/Makassar"
    Region.objects.filter(pk=region.pk).update(timezone="Asia/Jayapura")
    assert make_ticket(service=service, now=T0).time_zone == "Asia/Jayapura"


@pytest.mark.django_db
def test_the_version_is_shared_through_the_cache_other_processes_read() -> None:
    """Other processes see the change through the shared cache (Redis in production): the number they
    compare their memory with moves on."""
    before = cache.get(CONFIG_VERSION_KEY) or config_version()
    policy = minor_regular()
    policy.resolution_amount = 2
    policy.save()
    assert cache.get(CONFIG_VERSION_KEY) > before


@pytest.mark.django_db
def test_reading_the_configuration_twice_builds_it_once(django_assert_num_queries: Any) -> None:
    selectors.policy_targets(classification="major", tier="regular", region_id=None)
    with django_assert_num_queries(0):
        selectors.policy_targets(classification="major", tier="regular", region_id=None)


@pytest.mark.django_db
def test_a_database_cache_without_its_table_does_not_break_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded quick start keeps the cache in the database and makes its table after `migrate`;
    the data migrations that seed regions and teams write configuration before that table exists. The
    writes go through (the transaction is not aborted by a read of the missing table), and once the
    table exists the version moves on again."""
    from django.core.management import call_command
    from django.test import override_settings

    from sla import config

    table = "config_test_cache"
    monkeypatch.setattr(config, "_table_seen", False)
    backend = "django.core.cache.backends.db.DatabaseCache"
    database_cache = {"default": {"BACKEND": backend, "LOCATION": table}}
    with override_settings(CACHES=database_cache):
        Region.objects.create(code="zz", name="Test region", timezone="Asia/Jayapura")
        assert Region.objects.filter(code="zz").exists()  # the transaction is still usable
        call_command("createcachetable", verbosity=0)
        before = config_version()
        Region.objects.filter(code="zz").update(name="Renamed")
        assert config_version() > before


# --- One read of the shared version per request (sla.config.one_version, sla.middleware) ---------------


@pytest.fixture
def version_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every read of the shared version from the cache, recorded."""
    from sla import config

    reads: list[int] = []
    read = config._shared_version

    def counted() -> int:
        version = read()
        reads.append(version)
        return version

    monkeypatch.setattr(config, "_shared_version", counted)
    return reads


@pytest.mark.django_db
def test_a_complaint_filed_on_the_portal_reads_the_shared_version_once(
    client: Any, version_reads: list[int]
) -> None:
    """Six memoised things are read for a new complaint (calendar, zones, policy, stage target, open
    incidents, first-line team): one cache round trip for all of them, not six."""
    body = {
        "name": "Siti Rahayu",
        "email": "siti@contoh.co.id",
        "phone": "+6281234567890",
        "category": "network",
        "description": "Internet mati sejak pagi",
        "incident_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
    }
    response = client.post("/api/portal/complaints/", body, content_type="application/json")
    assert response.status_code == 201
    assert len(version_reads) == 1
    version_reads.clear()
    client.post(
        "/api/portal/complaints/", {**body, "email": "budi@contoh.co.id"}, content_type="application/json"
    )
    assert len(version_reads) == 1  # each request reads it again


@pytest.mark.django_db
def test_outside_a_request_every_read_still_asks_the_cache(version_reads: list[int]) -> None:
    """A worker's task or the sweep is not pinned: each read compares with the shared version."""
    make_ticket(now=T0, reported_at=T0)
    assert len(version_reads) == 6


@pytest.mark.django_db
def test_a_change_made_inside_the_block_is_read_by_the_block_itself() -> None:
    from sla.config import one_version

    with one_version():
        assert response_hours(make_ticket(now=T0, reported_at=T0)) == 2
        policy = minor_regular()
        policy.response_amount = 3
        policy.save()
        assert response_hours(make_ticket(now=T0, reported_at=T0)) == 3


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_from_the_next_block_on() -> None:
    """Another process moves the shared version on (its own memory is what it cleared, not ours): a
    block that began before keeps the version it read; the next one reads the new one."""
    from sla.config import one_version

    with one_version():
        before = config_version()
        cache.incr(CONFIG_VERSION_KEY)
        assert config_version() == before
    with one_version():
        assert config_version() == before + 1
    assert config_version() == before + 1
