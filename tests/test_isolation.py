"""What one test leaves in the process's memory does not reach the next (tests/conftest.py's autouse
fixtures). The first test leaves each kind of state behind; the second, run right after it in
this module's order, proves none of it is there. Run alone (or on another xdist worker) the second
test still holds: it asserts only what a fresh process would see."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.utils import translation

from notifications import services as notification_services
from sla import config as sla_config
from sla import selectors as sla_selectors
from tickets.models import Region

pytestmark = pytest.mark.django_db


def test_a_test_that_changes_the_configuration_and_finds_the_broker_away() -> None:
    jakarta = Region.objects.get(code="jkt")
    jakarta.timezone = "Asia/Jayapura"
    jakarta.save()  # moves the configuration's version on (sla.config); rolled back with the test
    assert sla_selectors.region_time_zones()[jakarta.pk] == "Asia/Jayapura"
    assert sla_config._memo  # built from the row this test's rollback will undo
    cache.set("portal-rate-limit-probe", 29)
    notification_services.broker.down_until = time.monotonic() + 3600
    translation.activate("id")  # as a portal page does, for the rest of the thread


def test_the_next_test_reads_the_seeded_configuration_and_tries_the_broker() -> None:
    assert sla_config._memo == {}
    assert sla_selectors.region_time_zones()[Region.objects.get(code="jkt").pk] == "Asia/Jakarta"
    assert cache.get("portal-rate-limit-probe") is None
    assert notification_services.broker.down_until == 0.0
    assert translation.get_language() == "en"  # the test settings' LANGUAGE_CODE
