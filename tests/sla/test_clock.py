"""Hand-worked examples for `sla.clock`: every expected value below is a literal worked out by hand
from the rules (Mon-Fri 08:00-17:00, a business day is 9 business hours, counting starts at the
report time or the next opening, a deadline on closing time stays there), never computed by the code
under test. Closed dates are Indonesia's real public holidays and cuti bersama from `holidays`."""

from __future__ import annotations

import time as perf
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from sla.clock import (
    DEFAULT_WEEKLY_HOURS,
    BusinessCalendar,
    Clock,
    Target,
    TargetUnit,
    TwentyFourSeven,
    add_business_time,
    business_time_between,
    deadline,
    deadline_after_pause,
    is_open,
    next_opening,
    risk_point,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
ZONES = {"WIB": WIB, "WITA": WITA, "WIT": WIT}

MINUTES, HOURS, DAYS = TargetUnit.MINUTES, TargetUnit.HOURS, TargetUnit.BUSINESS_DAYS


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=WIB)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours_daily(*intervals: tuple[time, time]) -> tuple[tuple[tuple[time, time], ...], ...]:
    return (tuple(intervals),) * 7


@pytest.fixture(scope="module")
def id_closed_dates() -> frozenset[date]:
    """Indonesia's national holidays and cuti bersama (joint leave days), as the product loads them."""
    return frozenset(
        holidays.country_holidays("ID", years=range(2025, 2028), categories=("public", "government"))
    )


@pytest.fixture(scope="module")
def calendars(id_closed_dates: frozenset[date]) -> dict[str, BusinessCalendar]:
    """The default Mon-Fri 08:00-17:00 calendar with the national holidays, in each of the three zones."""
    return {name: BusinessCalendar(tz=tz, closed_dates=id_closed_dates) for name, tz in ZONES.items()}


@pytest.fixture(scope="module")
def wib_calendar(calendars: dict[str, BusinessCalendar]) -> BusinessCalendar:
    return calendars["WIB"]


# --- the holiday list the tables rely on is the real one -------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 3, 28), "Day of Silence Joint Holiday"),
        (date(2025, 3, 31), "Eid al-Fitr"),
        (date(2025, 4, 1), "Eid al-Fitr Second Day"),
        (date(2025, 4, 2), "Eid al-Fitr Joint Holiday"),
        (date(2025, 4, 7), "Eid al-Fitr Joint Holiday"),
        (date(2025, 6, 6), "Eid al-Adha"),
        (date(2025, 6, 9), "Eid al-Adha Joint Holiday"),
        (date(2026, 3, 18), "Day of Silence Joint Holiday"),
        (date(2026, 3, 19), "Day of Silence"),
        (date(2026, 3, 20), "Eid al-Fitr Joint Holiday"),
        (date(2026, 3, 23), "Eid al-Fitr Joint Holiday"),
        (date(2026, 3, 24), "Eid al-Fitr Joint Holiday"),
        (date(2026, 8, 17), "Independence Day"),
        (date(2026, 12, 24), "Christmas Joint Holiday"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
    ids=str,
)
def test_the_tables_use_real_indonesian_holidays(day: date, name: str) -> None:
    official = holidays.country_holidays("ID", years=day.year, categories=("public", "government"))
    assert day in official
    assert name in official[day].split("; ")


@pytest.mark.parametrize(
    "day",
    [date(2025, 4, 8), date(2025, 6, 10), date(2026, 3, 17), date(2026, 3, 25), date(2026, 12, 28)],
    ids=str,
)
def test_the_working_days_around_the_holidays_are_not_holidays(
    day: date, id_closed_dates: frozenset[date]
) -> None:
    assert day not in id_closed_dates


# --- deadlines on the WIB business calendar ------------------------------------------------------

DEADLINE_CASES = [
    # (id, start, target, expected)
    ("mon-0800-plus-9h-stays-at-closing", wib(2026, 3, 2, 8), Target(9, HOURS), wib(2026, 3, 2, 17)),
    ("mon-0800-plus-1-business-day-same-day", wib(2026, 3, 2, 8), Target(1, DAYS), wib(2026, 3, 2, 17)),
    ("mon-1000-plus-1-business-day", wib(2026, 3, 2, 10), Target(1, DAYS), wib(2026, 3, 3, 10)),
    ("mon-0800-plus-2-business-days", wib(2026, 3, 2, 8), Target(2, DAYS), wib(2026, 3, 3, 17)),
    ("mon-1030-plus-2-business-days", wib(2026, 3, 2, 10, 30), Target(2, DAYS), wib(2026, 3, 4, 10, 30)),
    (
        "mon-1645-plus-30-minutes-overnight",
        wib(2026, 3, 2, 16, 45),
        Target(30, MINUTES),
        wib(2026, 3, 3, 8, 15),
    ),
    ("tue-1000-plus-30-minutes", wib(2026, 3, 3, 10), Target(30, MINUTES), wib(2026, 3, 3, 10, 30)),
    ("fri-1500-plus-4h-over-the-weekend", wib(2026, 3, 6, 15), Target(4, HOURS), wib(2026, 3, 9, 10)),
    ("fri-1600-plus-1-business-day", wib(2026, 3, 6, 16), Target(1, DAYS), wib(2026, 3, 9, 16)),
    (
        "before-opening-0630-starts-at-0800",
        wib(2026, 3, 3, 6, 30),
        Target(30, MINUTES),
        wib(2026, 3, 3, 8, 30),
    ),
    ("after-closing-1800-starts-next-morning", wib(2026, 3, 3, 18), Target(1, HOURS), wib(2026, 3, 4, 9)),
    (
        "exactly-at-closing-1700-starts-next-morning",
        wib(2026, 3, 3, 17),
        Target(1, HOURS),
        wib(2026, 3, 4, 9),
    ),
    ("saturday-night-report-starts-monday", wib(2026, 3, 7, 22), Target(2, HOURS), wib(2026, 3, 9, 10)),
    ("sunday-report-1-business-day", wib(2026, 3, 8, 12), Target(1, DAYS), wib(2026, 3, 9, 17)),
    # Nyepi 18-19 Mar (Wed-Thu) runs into the Lebaran cuti bersama 20, 23, 24 Mar 2026.
    ("nyepi-and-lebaran-2026", wib(2026, 3, 17, 16), Target(2, HOURS), wib(2026, 3, 25, 9)),
    ("reported-during-lebaran-2026", wib(2026, 3, 21, 9), Target(1, DAYS), wib(2026, 3, 25, 17)),
    # 28 Mar - 7 Apr 2025: Nyepi joint holiday, Eid al-Fitr and its cuti bersama, weekends.
    ("lebaran-2025-2-business-days", wib(2025, 3, 27, 16), Target(2, DAYS), wib(2025, 4, 9, 16)),
    ("eid-al-adha-2025-long-weekend", wib(2025, 6, 5, 15), Target(4, HOURS), wib(2025, 6, 10, 10)),
    ("independence-day-2026-monday", wib(2026, 8, 14, 16), Target(3, HOURS), wib(2026, 8, 18, 10)),
    ("reported-on-christmas-2026", wib(2026, 12, 25, 10), Target(1, HOURS), wib(2026, 12, 28, 9)),
    (
        "christmas-joint-holiday-2026-1-business-day",
        wib(2026, 12, 24, 9),
        Target(1, DAYS),
        wib(2026, 12, 28, 17),
    ),
    ("zero-target-outside-hours-is-the-start", wib(2026, 3, 7, 22), Target(0, HOURS), wib(2026, 3, 7, 22)),
    ("zero-business-days-on-a-holiday", wib(2026, 12, 25, 10), Target(0, DAYS), wib(2026, 12, 25, 10)),
]


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [case[1:] for case in DEADLINE_CASES],
    ids=[case[0] for case in DEADLINE_CASES],
)
def test_deadline_on_the_wib_calendar(
    start: datetime, target: Target, expected: datetime, wib_calendar: BusinessCalendar
) -> None:
    due = deadline(start, target, wib_calendar)
    assert due == expected
    assert due.tzinfo is UTC


ELAPSED_CASES = [
    ("8h-across-midnight", wib(2026, 3, 2, 20), Target(8, HOURS), wib(2026, 3, 3, 4)),
    ("30-minutes-on-a-sunday-night", wib(2026, 3, 8, 23, 45), Target(30, MINUTES), wib(2026, 3, 9, 0, 15)),
    (
        "2-business-days-are-48h-even-over-christmas",
        wib(2026, 12, 24, 10),
        Target(2, DAYS),
        wib(2026, 12, 26, 10),
    ),
    ("2h-on-a-holiday-saturday", wib(2026, 3, 21, 23), Target(2, HOURS), wib(2026, 3, 22, 1)),
    ("zero", wib(2026, 3, 21, 23), Target(0, MINUTES), wib(2026, 3, 21, 23)),
]


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [case[1:] for case in ELAPSED_CASES],
    ids=[case[0] for case in ELAPSED_CASES],
)
def test_deadline_on_the_24x7_clock(start: datetime, target: Target, expected: datetime) -> None:
    due = deadline(start, target, TwentyFourSeven())
    assert due == expected
    assert due.tzinfo is UTC


# The same UTC instant is 16:30 in Jakarta (WIB, +7), 17:30 in Makassar (WITA, +8) and 18:30 in
# Jayapura (WIT, +9): half an hour of work is left in WIB, none in the other two.
THREE_ZONE_CASES = [
    ("WIB", utc(2026, 3, 2, 9, 30), utc(2026, 3, 3, 1, 30)),  # 16:30-17:00 + Tue 08:00-08:30 WIB
    ("WITA", utc(2026, 3, 2, 9, 30), utc(2026, 3, 3, 1, 0)),  # Tue 08:00-09:00 WITA
    ("WIT", utc(2026, 3, 2, 9, 30), utc(2026, 3, 3, 0, 0)),  # Tue 08:00-09:00 WIT
    # 00:30 UTC is 07:30 WIB (not yet open), 08:30 WITA, 09:30 WIT.
    ("WIB-morning", utc(2026, 3, 2, 0, 30), utc(2026, 3, 2, 2, 0)),  # 08:00-09:00 WIB
    ("WITA-morning", utc(2026, 3, 2, 0, 30), utc(2026, 3, 2, 1, 30)),  # 08:30-09:30 WITA
    ("WIT-morning", utc(2026, 3, 2, 0, 30), utc(2026, 3, 2, 1, 30)),  # 09:30-10:30 WIT
]


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [(case[0].split("-")[0], case[1], case[2]) for case in THREE_ZONE_CASES],
    ids=[case[0] for case in THREE_ZONE_CASES],
)
def test_one_hour_target_in_each_zone(
    zone: str, start: datetime, expected: datetime, calendars: dict[str, BusinessCalendar]
) -> None:
    assert deadline(start, Target(1, HOURS), calendars[zone]) == expected


def test_the_same_instant_gives_three_different_deadlines(calendars: dict[str, BusinessCalendar]) -> None:
    reported = utc(2026, 3, 2, 9, 30)
    dues = {zone: deadline(reported, Target(1, HOURS), calendar) for zone, calendar in calendars.items()}
    assert dues == {
        "WIB": utc(2026, 3, 3, 1, 30),
        "WITA": utc(2026, 3, 3, 1, 0),
        "WIT": utc(2026, 3, 3, 0, 0),
    }
    # The WITA and WIT deadlines are both 09:00 on the local wall clock.
    assert dues["WITA"].astimezone(WITA).time() == time(9, 0) == dues["WIT"].astimezone(WIT).time()


# --- calendars other than the default -----------------------------------------------------------

WORKING_SATURDAY = {date(2026, 3, 7): ((time(9), time(13)),)}
LUNCH_BREAK = ((time(8), time(12)), (time(13), time(17)))

OTHER_CALENDAR_CASES: list[tuple[str, dict[str, Any], datetime, timedelta, datetime]] = [
    (
        "working-saturday-special-hours",
        {"special_hours": WORKING_SATURDAY},
        wib(2026, 3, 6, 16),
        timedelta(hours=3),
        wib(2026, 3, 7, 11),
    ),
    (
        "report-on-a-working-saturday",
        {"special_hours": WORKING_SATURDAY},
        wib(2026, 3, 7, 8),
        timedelta(hours=5),
        wib(2026, 3, 9, 9),
    ),
    (
        "special-hours-empty-closes-a-wednesday",
        {"special_hours": {date(2026, 3, 4): ()}},
        wib(2026, 3, 3, 16),
        timedelta(hours=2),
        wib(2026, 3, 5, 9),
    ),
    (
        "special-hours-short-wednesday",
        {"special_hours": {date(2026, 3, 4): ((time(8), time(12)),)}},
        wib(2026, 3, 4, 11),
        timedelta(hours=2),
        wib(2026, 3, 5, 9),
    ),
    (
        "a-closed-date-wins-over-its-special-hours",
        {"special_hours": WORKING_SATURDAY, "closed_dates": frozenset({date(2026, 3, 7)})},
        wib(2026, 3, 6, 16),
        timedelta(hours=3),
        wib(2026, 3, 9, 10),
    ),
    (
        "lunch-break-is-skipped",
        {"weekly_hours": (LUNCH_BREAK,) * 5 + ((), ())},
        wib(2026, 3, 2, 11, 30),
        timedelta(hours=1),
        wib(2026, 3, 2, 13, 30),
    ),
    (
        "lands-on-lunch-break-stays-at-1200",
        {"weekly_hours": (LUNCH_BREAK,) * 5 + ((), ())},
        wib(2026, 3, 2, 8),
        timedelta(hours=4),
        wib(2026, 3, 2, 12),
    ),
    (
        "touching-intervals-count-as-one-stretch",
        {"weekly_hours": hours_daily((time(8), time(12)), (time(12), time(17)))},
        wib(2026, 3, 2, 11),
        timedelta(hours=2),
        wib(2026, 3, 2, 13),
    ),
    (
        "until-midnight-then-from-midnight-runs-on",
        {"weekly_hours": hours_daily((time(0), time(6)), (time(20), time.max))},
        wib(2026, 3, 2, 22),
        timedelta(hours=4),
        wib(2026, 3, 3, 2),
    ),
    (
        "until-midnight-lands-on-midnight",
        {"weekly_hours": hours_daily((time(20), time.max))},
        wib(2026, 3, 2, 23),
        timedelta(hours=1),
        wib(2026, 3, 3, 0),
    ),
    (
        "until-midnight-then-next-evening",
        {"weekly_hours": hours_daily((time(20), time.max))},
        wib(2026, 3, 2, 23),
        timedelta(hours=2),
        wib(2026, 3, 3, 21),
    ),
    (
        "short-business-day-length",
        {"business_day_length": timedelta(hours=8)},
        wib(2026, 3, 2, 8),
        timedelta(hours=8) * 2,
        wib(2026, 3, 3, 15),
    ),
]


@pytest.mark.parametrize(
    ("fields", "start", "duration", "expected"),
    [case[1:] for case in OTHER_CALENDAR_CASES],
    ids=[case[0] for case in OTHER_CALENDAR_CASES],
)
def test_add_business_time_on_other_calendars(
    fields: dict[str, Any], start: datetime, duration: timedelta, expected: datetime
) -> None:
    assert add_business_time(start, duration, BusinessCalendar(tz=WIB, **fields)) == expected


def test_business_days_use_the_calendars_business_day_length() -> None:
    calendar = BusinessCalendar(tz=WIB, business_day_length=timedelta(hours=8))
    assert Target(2, DAYS).as_duration(calendar) == timedelta(hours=16)
    assert Target(2, DAYS).as_duration(TwentyFourSeven()) == timedelta(hours=48)
    assert Target(90, MINUTES).as_duration(calendar) == timedelta(minutes=90)
    assert Target(3, HOURS).as_duration(TwentyFourSeven()) == timedelta(hours=3)
    assert deadline(wib(2026, 3, 2, 8), Target(2, DAYS), calendar) == wib(2026, 3, 3, 15)


# --- business time between two moments ----------------------------------------------------------

BETWEEN_CASES = [
    ("friday-afternoon-to-monday-morning", wib(2026, 3, 6, 16), wib(2026, 3, 9, 10), timedelta(hours=3)),
    ("across-nyepi-and-lebaran-2026", wib(2026, 3, 17, 9), wib(2026, 3, 25, 9), timedelta(hours=9)),
    ("across-christmas-2026", wib(2026, 12, 23, 12), wib(2026, 12, 28, 12), timedelta(hours=9)),
    ("across-lebaran-2025", wib(2025, 3, 27, 8), wib(2025, 4, 8, 17), timedelta(hours=18)),
    ("a-whole-week", wib(2026, 3, 2), wib(2026, 3, 9), timedelta(hours=45)),
    ("one-night-outside-hours", wib(2026, 3, 2, 18), wib(2026, 3, 3, 7), timedelta(0)),
    ("a-holiday-is-empty", wib(2026, 12, 25), wib(2026, 12, 26), timedelta(0)),
    ("end-before-start-is-zero", wib(2026, 3, 3, 12), wib(2026, 3, 2, 12), timedelta(0)),
    ("same-moment-is-zero", wib(2026, 3, 3, 12), wib(2026, 3, 3, 12), timedelta(0)),
    (
        "microseconds-count",
        wib(2026, 3, 2, 8, 0, 0, 500_000),
        wib(2026, 3, 2, 8, 0, 1),
        timedelta(microseconds=500_000),
    ),
    (
        "closing-edge-16:59:59.999999",
        wib(2026, 3, 2, 16, 59, 59, 999_999),
        wib(2026, 3, 2, 18),
        timedelta(microseconds=1),
    ),
    ("given-in-utc", utc(2026, 3, 2, 0, 0), utc(2026, 3, 2, 3, 0), timedelta(hours=2)),  # 07:00-10:00 WIB
]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_business_time_between(
    start: datetime, end: datetime, expected: timedelta, wib_calendar: BusinessCalendar
) -> None:
    assert business_time_between(start, end, wib_calendar) == expected


def test_business_time_between_on_24x7_is_elapsed_time() -> None:
    clock = TwentyFourSeven()
    assert business_time_between(wib(2026, 3, 6, 16), wib(2026, 3, 9, 10), clock) == timedelta(hours=66)
    assert business_time_between(wib(2026, 3, 9, 10), wib(2026, 3, 6, 16), clock) == timedelta(0)
    # Different zones for start and end are fine: only the instants matter.
    assert business_time_between(utc(2026, 3, 2, 0), datetime(2026, 3, 2, 9, tzinfo=WIT), clock) == timedelta(
        0
    )


# --- pauses ------------------------------------------------------------------------------------

PAUSE_CASES = [
    # (id, old due, paused at, resumed at, expected new due)
    (
        # 5 h left at the pause (Tue 16-17, Wed 08-12), counted again from Thu 10:00.
        "paused-overnight",
        wib(2026, 3, 4, 12),
        wib(2026, 3, 3, 16),
        wib(2026, 3, 5, 10),
        wib(2026, 3, 5, 15),
    ),
    (
        # 8 h left (Mon 16-17, Tue 08-15); resumed Wed 25 Mar after Nyepi and Lebaran: 7 h Wed, 1 h Thu.
        "paused-across-nyepi-and-lebaran-2026",
        wib(2026, 3, 17, 15),
        wib(2026, 3, 16, 16),
        wib(2026, 3, 25, 10),
        wib(2026, 3, 26, 9),
    ),
    (
        # 3 h left (Wed 16-17, Mon 08-10); resumed on Christmas Day, counting restarts Mon 28 at 08:00.
        "resumed-on-christmas-day",
        wib(2026, 12, 28, 10),
        wib(2026, 12, 23, 16),
        wib(2026, 12, 25, 11),
        wib(2026, 12, 28, 11),
    ),
    (
        "a-pause-outside-hours-costs-nothing",
        wib(2026, 3, 3, 12),
        wib(2026, 3, 2, 18),
        wib(2026, 3, 3, 7),
        wib(2026, 3, 3, 12),
    ),
    (
        "a-pause-over-the-weekend-costs-nothing",
        wib(2026, 3, 9, 12),
        wib(2026, 3, 6, 17, 30),
        wib(2026, 3, 8, 20),
        wib(2026, 3, 9, 12),
    ),
    (
        "paused-and-resumed-at-once",
        wib(2026, 3, 4, 12),
        wib(2026, 3, 3, 9),
        wib(2026, 3, 3, 9),
        wib(2026, 3, 4, 12),
    ),
    (
        # The deadline had passed before the pause began: the pause gives nothing back.
        "already-breached-deadline-stays",
        wib(2026, 3, 2, 10),
        wib(2026, 3, 2, 11),
        wib(2026, 3, 3, 9),
        wib(2026, 3, 2, 10),
    ),
    (
        # 1 h left at the pause, the due moment itself is its closing time: resumed at 09:00 -> 10:00.
        "deadline-on-closing-time",
        wib(2026, 3, 2, 17),
        wib(2026, 3, 2, 16),
        wib(2026, 3, 3, 9),
        wib(2026, 3, 3, 10),
    ),
    (
        # A due moment outside working hours (e.g. set on another clock): no business time was left
        # after Fri 17:30, so the formula alone would give Fri 18:00, earlier than the old due. A pause
        # never brings a deadline forward, so it stays on Saturday.
        "old-due-outside-hours-never-moves-earlier",
        wib(2026, 3, 7, 10),
        wib(2026, 3, 6, 17, 30),
        wib(2026, 3, 6, 18),
        wib(2026, 3, 7, 10),
    ),
    (
        # Same due moment, resumed on Monday 09:00 with nothing left to count: due at the resumption.
        "old-due-outside-hours-resumed-later",
        wib(2026, 3, 7, 10),
        wib(2026, 3, 6, 17, 30),
        wib(2026, 3, 9, 9),
        wib(2026, 3, 9, 9),
    ),
]


@pytest.mark.parametrize(
    ("old_due", "paused_at", "resumed_at", "expected"),
    [case[1:] for case in PAUSE_CASES],
    ids=[case[0] for case in PAUSE_CASES],
)
def test_deadline_after_pause(
    old_due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    expected: datetime,
    wib_calendar: BusinessCalendar,
) -> None:
    new_due = deadline_after_pause(old_due, paused_at, resumed_at, wib_calendar)
    assert new_due == expected
    assert new_due.tzinfo is UTC


def test_deadline_after_pause_on_24x7_adds_the_pause_length() -> None:
    clock = TwentyFourSeven()
    assert deadline_after_pause(wib(2026, 3, 2, 20), wib(2026, 3, 2, 18), wib(2026, 3, 3, 9), clock) == wib(
        2026, 3, 3, 11
    )
    assert deadline_after_pause(wib(2026, 3, 2, 17), wib(2026, 3, 2, 18), wib(2026, 3, 3, 9), clock) == wib(
        2026, 3, 2, 17
    )


def test_a_pause_cannot_end_before_it_began(wib_calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="before it began"):
        deadline_after_pause(wib(2026, 3, 4, 12), wib(2026, 3, 3, 16), wib(2026, 3, 3, 15), wib_calendar)


# --- the at-risk point --------------------------------------------------------------------------

RISK_CASES: list[tuple[str, Clock, datetime, datetime, float, datetime]] = [
    # 18 h between; 75 % = 13 h 30: Mon 9 h, then Tue 08:00 + 4 h 30.
    (
        "75pc-of-two-business-days",
        BusinessCalendar(tz=WIB),
        wib(2026, 3, 2, 8),
        wib(2026, 3, 3, 17),
        0.75,
        wib(2026, 3, 3, 12, 30),
    ),
    # 9 h between (Fri 13-17, Mon 08-13); 75 % = 6 h 45: Fri 4 h, Mon 08:00 + 2 h 45.
    (
        "75pc-over-a-weekend",
        BusinessCalendar(tz=WIB),
        wib(2026, 3, 6, 13),
        wib(2026, 3, 9, 13),
        0.75,
        wib(2026, 3, 9, 10, 45),
    ),
    (
        "0pc-is-the-start",
        BusinessCalendar(tz=WIB),
        wib(2026, 3, 6, 13),
        wib(2026, 3, 9, 13),
        0.0,
        wib(2026, 3, 6, 13),
    ),
    (
        "100pc-is-the-due",
        BusinessCalendar(tz=WIB),
        wib(2026, 3, 6, 13),
        wib(2026, 3, 9, 13),
        1.0,
        wib(2026, 3, 9, 13),
    ),
    ("75pc-on-24x7", TwentyFourSeven(), wib(2026, 3, 7), wib(2026, 3, 7, 8), 0.75, wib(2026, 3, 7, 6)),
    # 3 us between; half of it is 1.5 us, rounded down to 1 us.
    (
        "rounds-down-to-the-microsecond",
        TwentyFourSeven(),
        wib(2026, 3, 7),
        wib(2026, 3, 7, 0, 0, 0, 3),
        0.5,
        wib(2026, 3, 7, 0, 0, 0, 1),
    ),
    # 0.8 x 5 us is exactly 4 us (the float 0.8 is slightly less than 4/5 and would give 3 us).
    (
        "0.8-means-four-fifths",
        TwentyFourSeven(),
        wib(2026, 3, 7),
        wib(2026, 3, 7, 0, 0, 0, 5),
        0.8,
        wib(2026, 3, 7, 0, 0, 0, 4),
    ),
    (
        "due-before-start-is-the-start",
        BusinessCalendar(tz=WIB),
        wib(2026, 3, 9, 13),
        wib(2026, 3, 6, 13),
        0.75,
        wib(2026, 3, 9, 13),
    ),
]


@pytest.mark.parametrize(
    ("clock", "start", "due", "fraction", "expected"),
    [case[1:] for case in RISK_CASES],
    ids=[case[0] for case in RISK_CASES],
)
def test_risk_point(
    clock: Clock, start: datetime, due: datetime, fraction: float, expected: datetime
) -> None:
    assert risk_point(start, due, clock, fraction) == expected


def test_risk_point_across_lebaran_2026(wib_calendar: BusinessCalendar) -> None:
    # 13 h between (Tue 17 Mar 09-17, Wed 25 Mar 08-13); 75 % = 9 h 45: Tue 8 h, Wed 08:00 + 1 h 45.
    assert risk_point(wib(2026, 3, 17, 9), wib(2026, 3, 25, 13), wib_calendar, 0.75) == wib(
        2026, 3, 25, 9, 45
    )


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan"), float("inf")], ids=str)
def test_risk_point_rejects_fractions_outside_0_to_1(fraction: float, wib_calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="fraction"):
        risk_point(wib(2026, 3, 2, 8), wib(2026, 3, 3, 17), wib_calendar, fraction)


# --- open or not, and the next opening ----------------------------------------------------------

IS_OPEN_CASES = [
    ("mon-07:59:59.999999", wib(2026, 3, 2, 7, 59, 59, 999_999), False),
    ("mon-08:00", wib(2026, 3, 2, 8), True),
    ("mon-16:59:59.999999", wib(2026, 3, 2, 16, 59, 59, 999_999), True),
    ("mon-17:00", wib(2026, 3, 2, 17), False),
    ("saturday", wib(2026, 3, 7, 10), False),
    ("christmas-day", wib(2026, 12, 25, 10), False),
    ("lebaran-joint-holiday", wib(2026, 3, 24, 10), False),
    ("given-in-utc", utc(2026, 3, 2, 3), True),  # 10:00 WIB
]


@pytest.mark.parametrize(
    ("moment", "expected"), [case[1:] for case in IS_OPEN_CASES], ids=[case[0] for case in IS_OPEN_CASES]
)
def test_is_open(moment: datetime, expected: bool, wib_calendar: BusinessCalendar) -> None:
    assert is_open(moment, wib_calendar) is expected
    assert is_open(moment, TwentyFourSeven()) is True


NEXT_OPENING_CASES = [
    ("open-now-is-now", wib(2026, 3, 2, 10, 15, 30, 7), wib(2026, 3, 2, 10, 15, 30, 7)),
    ("friday-closing-to-monday", wib(2026, 3, 6, 17), wib(2026, 3, 9, 8)),
    ("before-opening", wib(2026, 3, 3, 6), wib(2026, 3, 3, 8)),
    ("christmas-to-monday", wib(2026, 12, 24, 8), wib(2026, 12, 28, 8)),
    ("lebaran-2025", wib(2025, 3, 28, 8), wib(2025, 4, 8, 8)),
]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [case[1:] for case in NEXT_OPENING_CASES],
    ids=[case[0] for case in NEXT_OPENING_CASES],
)
def test_next_opening(moment: datetime, expected: datetime, wib_calendar: BusinessCalendar) -> None:
    opening = next_opening(moment, wib_calendar)
    assert opening == expected
    assert opening.tzinfo is UTC


def test_next_opening_on_24x7_is_the_moment_itself() -> None:
    assert next_opening(wib(2026, 12, 25, 3), TwentyFourSeven()) == wib(2026, 12, 25, 3)


# --- daylight-saving zones (not Indonesia, but the clock must be right there too) -----------------

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")


def test_spring_forward_the_skipped_hour_is_not_worked() -> None:
    # London, 29 Mar 2026: 01:00 GMT becomes 02:00 BST; wall 01:00-02:00 never happens.
    calendar = BusinessCalendar(tz=LONDON, weekly_hours=hours_daily((time(0), time(6))))
    start, end = datetime(2026, 3, 29, 0, tzinfo=LONDON), datetime(2026, 3, 29, 6, tzinfo=LONDON)
    assert business_time_between(start, end, calendar) == timedelta(hours=5)
    assert add_business_time(start, timedelta(hours=2), calendar) == utc(2026, 3, 29, 2)  # 03:00 BST


def test_fall_back_the_repeated_hour_is_worked_twice() -> None:
    # London, 25 Oct 2026: 02:00 BST becomes 01:00 GMT; wall 01:00-02:00 happens twice.
    calendar = BusinessCalendar(tz=LONDON, weekly_hours=hours_daily((time(0), time(6))))
    start, end = datetime(2026, 10, 25, 0, tzinfo=LONDON), datetime(2026, 10, 25, 6, tzinfo=LONDON)
    assert business_time_between(start, end, calendar) == timedelta(hours=7)
    assert add_business_time(start, timedelta(hours=6), calendar) == utc(2026, 10, 25, 5)  # 05:00 GMT


def test_an_opening_time_inside_the_gap_opens_when_the_clocks_jump() -> None:
    # New York, Sunday 8 Mar 2026: 02:00 EST becomes 03:00 EDT; the Sunday hours start at 02:30.
    calendar = BusinessCalendar(tz=NEW_YORK, weekly_hours=((),) * 6 + (((time(2, 30), time(4)),),))
    assert next_opening(utc(2026, 3, 8, 6), calendar) == utc(2026, 3, 8, 7)  # 03:00 EDT
    assert business_time_between(utc(2026, 3, 8, 0), utc(2026, 3, 9, 0), calendar) == timedelta(hours=1)
    # A wall time inside the gap as input does not crash (Python reads it with the pre-jump offset).
    assert is_open(datetime(2026, 3, 8, 2, 45, tzinfo=NEW_YORK), calendar) is True  # = 03:45 EDT


def test_clocks_going_back_over_midnight() -> None:
    # Santiago, 5 Apr 2026 at 03:00 UTC: Sunday 00:00 -03 becomes Saturday 23:00 -04; Saturday
    # 23:00-24:00 happens twice and Sunday begins an hour later.
    calendar = BusinessCalendar(
        tz=SANTIAGO, weekly_hours=((),) * 5 + (((time(22), time.max),), ((time(0), time(1)),))
    )
    start = utc(2026, 4, 5, 1)  # Saturday 22:00 -03
    assert business_time_between(start, utc(2026, 4, 5, 6), calendar) == timedelta(hours=4)
    assert add_business_time(start, timedelta(hours=3), calendar) == utc(2026, 4, 5, 4)  # Sunday 00:00 -04


# --- refusals -------------------------------------------------------------------------------------

NAIVE = wib(2026, 3, 2, 9).replace(tzinfo=None)  # deliberately naive
AWARE = wib(2026, 3, 2, 9)

NAIVE_CALLS: list[tuple[str, Callable[[BusinessCalendar], object]]] = [
    ("add_business_time", lambda c: add_business_time(NAIVE, timedelta(hours=1), c)),
    ("business_time_between-start", lambda c: business_time_between(NAIVE, AWARE, c)),
    ("business_time_between-end", lambda c: business_time_between(AWARE, NAIVE, c)),
    ("next_opening", lambda c: next_opening(NAIVE, c)),
    ("is_open", lambda c: is_open(NAIVE, c)),
    ("deadline", lambda c: deadline(NAIVE, Target(1, HOURS), c)),
    ("deadline_after_pause", lambda c: deadline_after_pause(AWARE, NAIVE, AWARE, c)),
    ("risk_point", lambda c: risk_point(AWARE, NAIVE, c, 0.75)),
    ("24x7", lambda c: add_business_time(NAIVE, timedelta(hours=1), TwentyFourSeven())),
]


@pytest.mark.parametrize("call", [case[1] for case in NAIVE_CALLS], ids=[case[0] for case in NAIVE_CALLS])
def test_naive_datetimes_are_refused(
    call: Callable[[BusinessCalendar], object], wib_calendar: BusinessCalendar
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(wib_calendar)


def test_a_calendar_without_working_time_raises_instead_of_looping() -> None:
    never_open = BusinessCalendar(tz=WIB, weekly_hours=((),) * 7)
    with pytest.raises(ValueError, match="no working time"):
        deadline(AWARE, Target(1, HOURS), never_open)
    with pytest.raises(ValueError, match="no working time"):
        next_opening(AWARE, never_open)
    # Nothing to look for: between two moments there is simply no business time, and zero is zero.
    assert business_time_between(AWARE, AWARE + timedelta(days=30), never_open) == timedelta(0)
    assert add_business_time(AWARE, timedelta(0), never_open) == AWARE


def test_a_calendar_closed_for_ever_raises_after_a_bounded_search() -> None:
    every_day_for_eleven_years = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(4100))
    closed = BusinessCalendar(tz=WIB, closed_dates=every_day_for_eleven_years)
    started = perf.perf_counter()
    with pytest.raises(ValueError, match="no working time in the 3660 days"):
        add_business_time(AWARE, timedelta(hours=1), closed)
    assert perf.perf_counter() - started < 5


def test_a_working_day_after_a_long_closure_is_still_found() -> None:
    # 1000 closed days, then the calendar opens again: that is within the search bound.
    closed = BusinessCalendar(
        tz=WIB, closed_dates=frozenset(date(2026, 3, 2) + timedelta(days=n) for n in range(1000))
    )
    # 2026-03-02 + 1000 days = Sunday 2028-11-26, so the next opening is Monday 27 Nov 2028.
    assert next_opening(wib(2026, 3, 2, 9), closed) == wib(2028, 11, 27, 8)


BAD_CALENDARS: list[tuple[str, dict[str, Any], str]] = [
    ("six-weekdays", {"weekly_hours": DEFAULT_WEEKLY_HOURS[:6]}, "7 entries"),
    ("start-after-end", {"weekly_hours": hours_daily((time(17), time(8)))}, "start must be before its end"),
    ("empty-interval", {"weekly_hours": hours_daily((time(8), time(8)))}, "start must be before its end"),
    ("overlapping", {"weekly_hours": hours_daily((time(8), time(12)), (time(11), time(17)))}, "overlap"),
    ("unsorted", {"weekly_hours": hours_daily((time(13), time(17)), (time(8), time(12)))}, "sorted"),
    ("not-a-pair", {"weekly_hours": ((time(8),),) * 7}, "pair"),
    ("aware-times", {"weekly_hours": hours_daily((time(8, tzinfo=UTC), time(17, tzinfo=UTC)))}, "tzinfo"),
    ("special-hours-bad", {"special_hours": {date(2026, 3, 7): ((time(13), time(9)),)}}, "special_hours"),
    ("special-hours-datetime-key", {"special_hours": {datetime(2026, 3, 7, tzinfo=UTC): ()}}, "date values"),
    ("closed-datetime", {"closed_dates": frozenset({datetime(2026, 3, 7, tzinfo=UTC)})}, "date values"),
    ("zero-business-day", {"business_day_length": timedelta(0)}, "positive"),
]


@pytest.mark.parametrize(
    ("fields", "message"), [case[1:] for case in BAD_CALENDARS], ids=[case[0] for case in BAD_CALENDARS]
)
def test_invalid_calendars_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(tz=WIB, **fields)


def test_other_refusals(wib_calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(AWARE, timedelta(minutes=-1), wib_calendar)
    with pytest.raises(ValueError, match="non-negative"):
        Target(-1, HOURS)
    with pytest.raises(ValueError):
        Target(1, "fortnights")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ZoneInfo"):
        BusinessCalendar(tz=UTC)  # type: ignore[arg-type]


# --- the calendar as a value ---------------------------------------------------------------------


def test_calendars_are_hashable_values_and_accept_any_mapping() -> None:
    one = BusinessCalendar(tz=WIB, closed_dates=frozenset({date(2026, 3, 3)}), special_hours=WORKING_SATURDAY)
    two = BusinessCalendar(
        tz=WIB, closed_dates=frozenset({date(2026, 3, 3)}), special_hours=dict(WORKING_SATURDAY)
    )
    assert one == two
    assert hash(one) == hash(two)
    assert len({one, two, BusinessCalendar(tz=WIB)}) == 2
    assert one.special_hours[date(2026, 3, 7)] == ((time(9), time(13)),)
    assert BusinessCalendar(tz=WIB).weekly_hours == DEFAULT_WEEKLY_HOURS
    assert TwentyFourSeven() == TwentyFourSeven()
    assert Target(2, TargetUnit("business_days")) == Target(2, DAYS)
    assert str(TargetUnit.BUSINESS_DAYS) == "business_days"
    assert TargetUnit("minutes") is TargetUnit.MINUTES


# --- speed --------------------------------------------------------------------------------------


def test_a_thousand_business_days_ahead_is_fast() -> None:
    # Without holidays, 1000 business days from Monday 08:00 are 200 full weeks: they end on the
    # Friday of the 200th week, Fri 28 Dec 2029 (= 2 Mar 2026 + 199 weeks + 4 days), at closing time.
    calendar = BusinessCalendar(tz=WIB)
    started = perf.perf_counter()
    due = deadline(wib(2026, 3, 2, 8), Target(1000, DAYS), calendar)
    spent = business_time_between(wib(2026, 3, 2, 8), due, calendar)
    elapsed = perf.perf_counter() - started
    assert due == wib(2029, 12, 28, 17)
    assert spent == timedelta(hours=9000)
    assert elapsed < 1.0


def test_a_thousand_business_days_with_the_holidays_is_fast(id_closed_dates: frozenset[date]) -> None:
    calendar = BusinessCalendar(tz=WIB, closed_dates=id_closed_dates)
    started = perf.perf_counter()
    due = deadline(wib(2026, 3, 2, 8), Target(1000, DAYS), calendar)
    assert business_time_between(wib(2026, 3, 2, 8), due, calendar) == timedelta(hours=9000)
    assert perf.perf_counter() - started < 1.0
