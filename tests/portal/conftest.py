"""What the portal's tests share: one person per staff role, a visitor who chose English, and the filing
form's fields."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.tickets.flow import Staff

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def english() -> Client:
    """A visitor who chose English with the language switch (so messages can be compared exactly)."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def complaint_form(**overrides: Any) -> dict[str, str]:
    """The filing form filled in as a customer would, incident two hours ago in Jakarta time."""
    two_hours_ago = timezone.localtime(timezone.now() - dt.timedelta(hours=2), JAKARTA)
    data = {
        "name": "Siti Rahayu",
        "email": "Siti.Rahayu@Example.co.id",
        "phone": "0812-3456-7890",
        "category": "network",
        "service_ref": "",
        "description": "Internet mati sejak pagi.",
        "incident_at": two_hours_ago.strftime("%Y-%m-%dT%H:%M"),
        "incident_time_zone": "Asia/Jakarta",
    }
    data.update(overrides)
    return data
