"""The admin's index groups the models by what a person comes to change (helpdesk.admin_site): the business
settings first, then the records, people and access, and last what the system writes by itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

pytestmark = pytest.mark.django_db


def index_for(make_user: Any, language: str = "en") -> list[dict[str, Any]]:
    user = make_user(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get("/admin/", headers={"accept-language": language})
    assert response.status_code == 200
    return list(response.context["app_list"])


def names(group: dict[str, Any]) -> list[str]:
    return [f"{model['model']._meta.app_label}.{model['object_name']}" for model in group["models"]]


def test_the_index_shows_business_settings_first_and_the_systems_own_records_last(make_user: Any) -> None:
    groups = index_for(make_user)
    assert [group["name"] for group in groups] == [
        "Business settings",
        "Customers, tickets and incidents",
        "People and access",
        "Internal records (written by the system)",
    ]
    assert names(groups[0]) == [
        "sla.BusinessCalendar",
        "sla.PublicHoliday",
        "sla.SlaPolicy",
        "sla.StageTarget",
        "escalation.EscalationRule",
        "tickets.Region",
        "tickets.Team",
        "tickets.Macro",
        "reports.RootCauseCategory",
        "reports.SurveyCampaign",
    ]
    internal = names(groups[-1])
    for name in ("sla.SlaEvent", "sla.SlaPause", "notifications.Notification", "tickets.InboundEmail"):
        assert name in internal, name
    assert "tickets.Ticket" in names(groups[1])
    assert "auth.User" in names(groups[2])


def test_every_registered_model_is_listed_exactly_once(make_user: Any) -> None:
    listed = [name for group in index_for(make_user) for name in names(group)]
    registered = [f"{model._meta.app_label}.{model.__name__}" for model in admin.site._registry]
    assert sorted(listed) == sorted(registered)


def test_the_groups_read_in_indonesian(make_user: Any) -> None:
    groups = index_for(make_user, "id")
    assert groups[0]["name"] == "Pengaturan layanan"
    assert groups[-1]["name"] == "Catatan internal (ditulis oleh sistem)"


def test_an_apps_own_page_is_djangos(make_user: Any) -> None:
    user = make_user(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get("/admin/sla/")
    assert response.status_code == 200
    assert [app["app_label"] for app in response.context["app_list"]] == ["sla"]
