"""Property tests: `sla.clock` against the minute-by-minute reference in `tests.sla.naive_clock`, on
random business calendars (the three Indonesian zones, random weekly hours, random subsets of the real
holiday list, random extra closures and special hours) and random minute-aligned moments in 2025-2026,
plus a smaller run on zones with daylight-saving time around their clock changes.

The naive walk costs about a microsecond per minute walked, so durations stay within a few business
days and calendars with very little working time get proportionally shorter durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.clock import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    deadline_after_pause,
    is_open,
    next_opening,
)
from tests.sla.naive_clock import naive_add, naive_between, naive_is_open

INDONESIAN_ZONES = [ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")]
DST_ZONES = [
    ZoneInfo("Europe/London"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute change
    ZoneInfo("America/Santiago"),  # changes at local midnight
]
REAL_HOLIDAYS = sorted(
    holidays.country_holidays("ID", years=(2025, 2026, 2027), categories=("public", "government"))
)
FIRST_MINUTE = datetime(2025, 1, 1, tzinfo=UTC)
MINUTES_IN_2025_2026 = 730 * 24 * 60
MINUTE = timedelta(minutes=1)
BUSINESS_DAY_MINUTES = 9 * 60

FIRST_DAY = date(2025, 1, 1)
DAYS_DRAWN = 760  # 2025-01-01 .. 2027-01-30: a little beyond the last start


def _settings(examples: int) -> settings:
    # No example database: the runs must not write files into the project tree.
    return settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )


def _wall_time(minute_of_day: int) -> time:
    return time.max if minute_of_day == 24 * 60 else time(minute_of_day // 60, minute_of_day % 60)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[time, time], ...]:
    """The hours of one day: closed, the usual 08:00-17:00, or 1-2 random intervals on minute
    boundaries (the second may touch the first; an end of 24:00 is time.max)."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return ()
    if kind == 1:
        return ((time(8), time(17)),)
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60))
    if kind < 4 or end == 24 * 60:
        return ((_wall_time(start), _wall_time(end)),)
    second_start = draw(st.integers(end, 24 * 60 - 1))
    second_end = draw(st.integers(second_start + 1, 24 * 60))
    return (
        (_wall_time(start), _wall_time(end)),
        (_wall_time(second_start), _wall_time(second_end)),
    )


def _open_minutes(hours: tuple[tuple[time, time], ...]) -> int:
    def minute(moment: time) -> int:
        return 24 * 60 if moment == time.max else moment.hour * 60 + moment.minute

    return sum(minute(end) - minute(start) for start, end in hours)


@st.composite
def calendars(draw: st.DrawFn, zones: list[ZoneInfo] = INDONESIAN_ZONES) -> BusinessCalendar:
    """A random business calendar with at least half an hour of working time every week: weekly
    hours, all / none / a random subset of the real holidays, a few extra closures and special days."""
    tz = draw(st.sampled_from(zones))
    weekly = tuple(draw(day_hours()) for _ in range(7))
    assume(sum(_open_minutes(hours) for hours in weekly) >= 30)
    which_holidays = draw(st.sampled_from(["all", "none", "some"]))
    if which_holidays == "all":
        closed = set(REAL_HOLIDAYS)
    elif which_holidays == "none":
        closed = set()
    else:
        mask = draw(st.integers(0, 2 ** len(REAL_HOLIDAYS) - 1))
        closed = {day for bit, day in enumerate(REAL_HOLIDAYS) if mask >> bit & 1}
    closed |= {FIRST_DAY + timedelta(days=n) for n in draw(st.lists(st.integers(0, DAYS_DRAWN), max_size=8))}
    special = {
        FIRST_DAY + timedelta(days=n): hours
        for n, hours in draw(st.lists(st.tuples(st.integers(0, DAYS_DRAWN), day_hours()), max_size=4))
    }
    return BusinessCalendar(tz=tz, weekly_hours=weekly, closed_dates=frozenset(closed), special_hours=special)


def weekly_minutes(calendar: BusinessCalendar) -> int:
    return sum(_open_minutes(hours) for hours in calendar.weekly_hours)


@st.composite
def moments(draw: st.DrawFn, calendar: BusinessCalendar) -> datetime:
    """A minute-aligned moment in 2025-2026, given in UTC or in the calendar's own zone."""
    moment = FIRST_MINUTE + draw(st.integers(0, MINUTES_IN_2025_2026)) * MINUTE
    return moment.astimezone(draw(st.sampled_from([UTC, calendar.tz])))


@st.composite
def durations(draw: st.DrawFn, calendar: BusinessCalendar) -> int:
    """Up to three business days in minutes, but no more than a week of this calendar's working time
    (the naive walk must stay short)."""
    return draw(st.integers(0, min(3 * BUSINESS_DAY_MINUTES, weekly_minutes(calendar))))


@st.composite
def calendar_start_minutes(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, int]:
    calendar = draw(calendars())
    return calendar, draw(moments(calendar)), draw(durations(calendar))


# --- against the naive reference -----------------------------------------------------------------


@_settings(1200)
@given(calendar_start_minutes())
def test_add_business_time_matches_the_naive_walk(case: tuple[BusinessCalendar, datetime, int]) -> None:
    calendar, start, minutes = case
    due = add_business_time(start, minutes * MINUTE, calendar)
    assert due == naive_add(start, minutes, calendar)
    assert due.tzinfo is UTC


@_settings(800)
@given(calendar_start_minutes(), st.integers(0, 3 * 24 * 60))
def test_business_time_between_matches_the_naive_walk(
    case: tuple[BusinessCalendar, datetime, int], span: int
) -> None:
    calendar, start, _ = case
    end = start + span * MINUTE
    assert business_time_between(start, end, calendar) == naive_between(start, end, calendar) * MINUTE
    # Swapped ends give zero.
    assert business_time_between(end, start, calendar) == timedelta(0)


@_settings(300)
@given(calendar_start_minutes())
def test_is_open_and_next_opening_match_the_naive_walk(case: tuple[BusinessCalendar, datetime, int]) -> None:
    calendar, start, _ = case
    assert is_open(start, calendar) is naive_is_open(start, calendar)
    # The next opening is the end of the first working minute, less that minute.
    assert next_opening(start, calendar) == naive_add(start, 1, calendar) - MINUTE


@_settings(200)
@given(calendar_start_minutes(), st.integers(0, 3 * 24 * 60), st.integers(0, 3 * 24 * 60))
def test_deadline_after_pause_matches_the_naive_walk(
    case: tuple[BusinessCalendar, datetime, int], pause_offset: int, pause_length: int
) -> None:
    calendar, start, minutes = case
    old_due = naive_add(start, minutes, calendar)
    paused_at = start + pause_offset * MINUTE
    resumed_at = paused_at + pause_length * MINUTE
    if old_due <= paused_at:
        expected = old_due  # already past when the pause began: the pause gives nothing back
    else:
        expected = max(old_due, naive_add(resumed_at, naive_between(paused_at, old_due, calendar), calendar))
    assert deadline_after_pause(old_due, paused_at, resumed_at, calendar) == expected


def _clock_changes(tz: ZoneInfo) -> list[datetime]:
    """The instants (to the minute) in 2025-2026 at which the zone's UTC offset changes."""
    changes = []
    moment = FIRST_MINUTE
    offset = moment.astimezone(tz).utcoffset()
    while moment.year < 2027:
        later = moment + timedelta(minutes=30)
        if later.astimezone(tz).utcoffset() != offset:
            changes.append(later)
            offset = later.astimezone(tz).utcoffset()
        moment = later
    return changes


CLOCK_CHANGES = {tz.key: _clock_changes(tz) for tz in DST_ZONES}


@st.composite
def dst_cases(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, int]:
    """A calendar in a zone with daylight-saving time and a start from three days before to one day
    after one of its 2025-2026 clock changes."""
    calendar = draw(calendars(zones=DST_ZONES))
    change = draw(st.sampled_from(CLOCK_CHANGES[calendar.tz.key]))
    start = change + draw(st.integers(-3 * 24 * 60, 24 * 60)) * MINUTE
    return calendar, start.astimezone(draw(st.sampled_from([UTC, calendar.tz]))), draw(durations(calendar))


def test_every_dst_zone_has_clock_changes_to_test() -> None:
    assert all(len(changes) == 4 for changes in CLOCK_CHANGES.values())


@_settings(300)
@given(dst_cases(), st.integers(0, 2 * 24 * 60))
def test_daylight_saving_zones_match_the_naive_walk(
    case: tuple[BusinessCalendar, datetime, int], span: int
) -> None:
    calendar, start, minutes = case
    assert add_business_time(start, minutes * MINUTE, calendar) == naive_add(start, minutes, calendar)
    end = start + span * MINUTE
    assert business_time_between(start, end, calendar) == naive_between(start, end, calendar) * MINUTE
    assert is_open(start, calendar) is naive_is_open(start, calendar)


# --- laws of the clock itself (fast, no naive walk) -----------------------------------------------


@st.composite
def any_calendar_case(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, timedelta]:
    """Any calendar (Indonesian or DST zone), a start with microseconds, a duration with microseconds
    of up to 20 business days (or 8 weeks of a calendar with little working time)."""
    calendar = draw(st.one_of(calendars(), calendars(zones=DST_ZONES)))
    start = FIRST_MINUTE + timedelta(microseconds=draw(st.integers(0, MINUTES_IN_2025_2026 * 60_000_000)))
    most_minutes = min(20 * BUSINESS_DAY_MINUTES, 8 * weekly_minutes(calendar))
    duration = timedelta(microseconds=draw(st.integers(0, most_minutes * 60_000_000)))
    return calendar, start, duration


@_settings(800)
@given(any_calendar_case())
def test_round_trip_counts_back_the_added_time(case: tuple[BusinessCalendar, datetime, timedelta]) -> None:
    calendar, start, duration = case
    due = add_business_time(start, duration, calendar)
    assert business_time_between(next_opening(start, calendar), due, calendar) == duration
    assert business_time_between(start, due, calendar) == duration
    if duration:
        # A positive duration ends inside working time or exactly at a closing time.
        assert is_open(due - timedelta(microseconds=1), calendar)


@_settings(500)
@given(any_calendar_case(), st.integers(0, 5 * BUSINESS_DAY_MINUTES * 60_000_000), st.integers(0, 10**12))
def test_deadlines_are_monotonic(
    case: tuple[BusinessCalendar, datetime, timedelta], extra_us: int, later_us: int
) -> None:
    calendar, start, duration = case
    due = add_business_time(start, duration, calendar)
    # More time to count never ends earlier...
    assert add_business_time(start, duration + timedelta(microseconds=extra_us), calendar) >= due
    # ...and neither does starting later.
    assert add_business_time(start + timedelta(microseconds=later_us), duration, calendar) >= due


@_settings(500)
@given(
    any_calendar_case(),
    st.integers(0, 10 * 24 * 3600),
    st.integers(0, 10 * 24 * 3600),
    st.integers(0, 3600),
    st.none() | st.integers(0, 20 * 24 * 3600),
)
def test_a_pause_never_brings_the_deadline_forward(
    case: tuple[BusinessCalendar, datetime, timedelta],
    pause_offset_s: int,
    pause_s: int,
    later_s: int,
    arbitrary_due_s: int | None,
) -> None:
    calendar, start, duration = case
    deadline_from_this_clock = arbitrary_due_s is None
    if arbitrary_due_s is None:
        old_due = add_business_time(start, duration, calendar)
    else:
        # Any moment at all, open or not (e.g. a deadline set on another clock).
        old_due = start + timedelta(seconds=arbitrary_due_s)
    paused_at = start + timedelta(seconds=pause_offset_s)
    resumed_at = paused_at + timedelta(seconds=pause_s)
    new_due = deadline_after_pause(old_due, paused_at, resumed_at, calendar)
    assert new_due >= old_due
    # Resuming later never gives an earlier deadline.
    assert (
        deadline_after_pause(old_due, paused_at, resumed_at + timedelta(seconds=later_s), calendar) >= new_due
    )
    # A deadline of this clock keeps exactly the business time that was left when the pause began.
    if deadline_from_this_clock and old_due > paused_at:
        left = business_time_between(paused_at, old_due, calendar)
        assert business_time_between(resumed_at, new_due, calendar) == left
