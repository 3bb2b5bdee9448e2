"""The SLA and escalation settings in the admin: one holiday per date and one exception per calendar
and date (refused with a sentence, not a 500), the zone picked from a list, delays in hours and minutes,
and a warning for targets that make no sense."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from escalation.admin import EscalationRuleForm
from escalation.models import EscalationRule
from helpdesk.lib.durations import duration_label
from sla.admin import BusinessCalendarForm
from sla.models import BusinessCalendar, CalendarDay, PublicHoliday, SlaPolicy
from sla.selectors import policy_warnings

pytestmark = pytest.mark.django_db

CHRISTMAS = dt.date(2026, 12, 25)


@pytest.fixture
def admin_client(make_user: Any) -> Client:
    user = make_user(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def christmas() -> PublicHoliday:
    holiday, _created = PublicHoliday.objects.get_or_create(
        date=CHRISTMAS, defaults={"name": "Hari Raya Natal"}
    )
    return holiday


def test_a_second_holiday_on_the_same_date_is_refused_by_the_database() -> None:
    christmas()
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicHoliday.objects.create(date=CHRISTMAS, name="Natal (again)")
    assert PublicHoliday.objects.filter(date=CHRISTMAS).count() == 1


def test_the_admin_says_why_a_second_holiday_on_a_date_is_refused(admin_client: Client) -> None:
    christmas()
    response = admin_client.post(
        "/admin/sla/publicholiday/add/", {"date": "2026-12-25", "name": "Natal", "category": "public"}
    )
    assert response.status_code == 200
    assert "There is already a public holiday on this date." in response.content.decode()
    assert PublicHoliday.objects.filter(date=CHRISTMAS).count() == 1


def test_a_calendar_has_one_exception_per_date_said_in_words() -> None:
    calendar = BusinessCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=CHRISTMAS, kind="closed")
    again = CalendarDay(calendar=calendar, date=CHRISTMAS, kind="open")
    with pytest.raises(
        ValidationError, match=re.escape("This calendar already has a closed or open day on this date.")
    ):
        again.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()
    # Another calendar may close the same day.
    other = BusinessCalendar.objects.create(name="Papua", timezone="Asia/Jayapura")
    CalendarDay.objects.create(calendar=other, date=CHRISTMAS, kind="closed")


def test_the_admin_refuses_a_second_exception_on_a_date_in_the_calendar_page(admin_client: Client) -> None:
    calendar = BusinessCalendar.objects.get(is_default=True)
    day = CalendarDay.objects.create(calendar=calendar, date=CHRISTMAS, kind="closed")
    hours = list(calendar.working_hours.order_by("id"))
    data = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "region": calendar.region_id or "",
        "is_default": "on",
        "use_national_holidays": "on",
        "business_day_minutes_0": "9",
        "business_day_minutes_1": "0",
        "working_hours-TOTAL_FORMS": str(len(hours)),
        "working_hours-INITIAL_FORMS": str(len(hours)),
        "days-TOTAL_FORMS": "2",
        "days-INITIAL_FORMS": "1",
        "days-0-id": str(day.pk),
        "days-0-calendar": str(calendar.pk),
        "days-0-date": "2026-12-25",
        "days-0-kind": "closed",
        "days-1-calendar": str(calendar.pk),
        "days-1-date": "2026-12-25",
        "days-1-kind": "open",
    }
    for index, interval in enumerate(hours):
        data |= {
            f"working_hours-{index}-id": str(interval.pk),
            f"working_hours-{index}-calendar": str(calendar.pk),
            f"working_hours-{index}-weekday": str(interval.weekday),
            f"working_hours-{index}-start": interval.start.strftime("%H:%M"),
            f"working_hours-{index}-end": interval.end.strftime("%H:%M"),
        }
    response = admin_client.post(f"/admin/sla/businesscalendar/{calendar.pk}/change/", data)

    assert response.status_code == 200
    assert CalendarDay.objects.filter(calendar=calendar, date=CHRISTMAS).count() == 1
    assert "Please correct" in response.content.decode()


def calendar_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Sulawesi",
        "timezone": "Asia/Makassar",
        "use_national_holidays": "on",
        "business_day_minutes_0": "8",
        "business_day_minutes_1": "30",
    }
    data.update(overrides)
    return data


def test_the_calendar_zone_is_picked_from_a_list_and_the_business_day_typed_in_hours_and_minutes() -> None:
    form = BusinessCalendarForm(calendar_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["business_day_minutes"] == 8 * 60 + 30
    zones = [value for value, _label in form.fields["timezone"].choices]
    assert zones[:3] == ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]

    refused = BusinessCalendarForm(calendar_data(timezone="Mars/Olympus"))
    assert not refused.is_valid()
    assert list(refused.errors) == ["timezone"]
    too_long = BusinessCalendarForm(calendar_data(business_day_minutes_0="25", business_day_minutes_1="0"))
    assert too_long.errors["business_day_minutes"] == ["At most 24 h."]


def test_a_stored_business_day_shows_as_hours_and_minutes() -> None:
    calendar = BusinessCalendar.objects.get(is_default=True)
    html = str(BusinessCalendarForm(instance=calendar)["business_day_minutes"])
    hours, minutes = divmod(calendar.business_day_minutes, 60)
    assert f'name="business_day_minutes_0" value="{hours}"' in html
    assert f'name="business_day_minutes_1" value="{minutes}"' in html


def test_an_escalation_delay_is_typed_in_hours_and_minutes() -> None:
    rule = EscalationRule.objects.order_by("id").first()
    assert rule is not None
    data = {"classification": rule.classification, "trigger": rule.trigger, "level": str(rule.level)}
    form = EscalationRuleForm({**data, "delay_minutes_0": "1", "delay_minutes_1": "30"}, instance=rule)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["delay_minutes"] == 90
    at_breach = EscalationRuleForm({**data, "delay_minutes_0": "0", "delay_minutes_1": ""}, instance=rule)
    assert at_breach.is_valid(), at_breach.errors
    assert at_breach.cleaned_data["delay_minutes"] == 0
    bad_minutes = EscalationRuleForm({**data, "delay_minutes_0": "1", "delay_minutes_1": "75"}, instance=rule)
    assert "delay_minutes" in bad_minutes.errors
    assert str(EscalationRuleForm(instance=rule)["delay_minutes"]).count("<input") == 2
    assert not bad_minutes.is_valid()


@pytest.mark.parametrize(
    ("minutes", "label"), [(90, "1 h 30 min"), (120, "2 h"), (45, "45 min"), (0, "0 min"), (None, "—")]
)
def test_durations_read_in_hours_and_minutes(minutes: int | None, label: str) -> None:
    assert duration_label(minutes) == label


@pytest.mark.parametrize(
    ("response", "resolution", "warned"),
    [
        (
            (30, "minutes"),
            (1, "minutes"),
            [
                "A resolution within 1 min leaves no time to fix anything",
                "The resolution target is not longer than the first response",
            ],
        ),
        ((2, "minutes"), (8, "hours"), ["A first response within 2 min is shorter than anyone can answer."]),
        ((2, "business_days"), (4, "hours"), ["The resolution target is not longer than the first response"]),
        ((1, "hours"), (90, "business_days"), ["A target longer than 30 days is unusual"]),
        ((1, "hours"), (2, "business_days"), []),
    ],
    ids=[
        "one-minute-resolution",
        "two-minute-response",
        "response-slower-than-fix",
        "ninety-days",
        "sensible",
    ],
)
def test_sla_targets_that_make_no_sense_are_warned(
    response: tuple[int, str], resolution: tuple[int, str], warned: list[str]
) -> None:
    warnings = policy_warnings(
        response_amount=response[0],
        response_unit=response[1],
        resolution_amount=resolution[0],
        resolution_unit=resolution[1],
    )
    assert len(warnings) == len(warned)
    for warning, start in zip(warnings, warned, strict=True):
        assert warning.startswith(start)


def test_saving_a_one_minute_resolution_in_the_admin_warns_and_keeps_what_was_typed(
    admin_client: Client,
) -> None:
    policy = SlaPolicy.objects.order_by("id").first()
    assert policy is not None
    data = {
        "classification": policy.classification,
        "tier": policy.tier,
        "response_amount": "30",
        "response_unit": "minutes",
        "response_clock": "24x7",
        "resolution_amount": "1",
        "resolution_unit": "minutes",
        "resolution_clock": "24x7",
    }
    response = admin_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", data, follow=True)

    assert response.status_code == 200
    policy.refresh_from_db()
    assert (policy.resolution_amount, policy.resolution_unit) == (1, "minutes")
    warnings = [str(message) for message in response.context["messages"] if message.level_tag == "warning"]
    assert len(warnings) == 2
    assert "A resolution within 1 min leaves no time to fix anything" in warnings[0]


def test_the_migration_merges_a_date_stored_twice_into_one_row_with_both_names() -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("sla.migrations.0007_holiday_one_per_date")
    PublicHoliday.objects.filter(date=CHRISTMAS).delete()
    with connection.cursor() as cursor:
        # As before the migration (rolled back with the test's transaction).
        cursor.execute("ALTER TABLE sla_publicholiday DROP CONSTRAINT one_holiday_per_date")
    PublicHoliday.objects.create(date=CHRISTMAS, name="Hari Raya Natal")
    PublicHoliday.objects.create(date=CHRISTMAS, name="Natal")
    PublicHoliday.objects.create(date=CHRISTMAS, name="Natal")
    alone = PublicHoliday.objects.create(date=dt.date(2099, 6, 15), name="Hari contoh")

    migration.merge_holidays_of_one_date(apps, None)

    assert list(PublicHoliday.objects.filter(date=CHRISTMAS).values_list("name", flat=True)) == [
        "Hari Raya Natal; Natal"
    ]
    assert PublicHoliday.objects.get(pk=alone.pk).name == "Hari contoh"
