"""`sla.clock.explain_deadline`: how a deadline is reached, day by day, worked out by hand — a target of
business days across a weekend, a named public holiday and a cuti bersama day in Jakarta, a target in
hours that starts after working hours, an elapsed 24x7 target, pauses — and, on random calendars,
starts, targets and pauses, the property that the explanation ends where `deadline()` and
`deadline_after_pause()` do, having counted exactly the target."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.clock import (
    MAX_DAY_ENTRIES,
    BusinessCalendar,
    DateNote,
    DateNoteKind,
    DayStatus,
    PauseEffect,
    Target,
    TargetUnit,
    TwentyFourSeven,
    business_time_between,
    deadline,
    deadline_after_pause,
    explain_deadline,
)
from tests.sla.test_clock_properties import FIRST_MINUTE, MINUTES_IN_2025_2026, _settings, calendars

JAKARTA = ZoneInfo("Asia/Jakarta")
HOUR = timedelta(hours=1)
CHRISTMAS_EVE = DateNote(DateNoteKind.CUTI_BERSAMA, "Christmas Joint Holiday")
CHRISTMAS = DateNote(DateNoteKind.PUBLIC_HOLIDAY, "Christmas Day")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA)


def local_pieces(day: object) -> list[tuple[str, str, bool]]:
    return [
        (
            f"{piece.start.astimezone(JAKARTA):%H:%M}",
            f"{piece.end.astimezone(JAKARTA):%H:%M}",
            piece.is_paused,
        )
        for piece in day.pieces  # type: ignore[attr-defined]
    ]


@pytest.fixture
def jakarta() -> BusinessCalendar:
    """Mon-Fri 08:00-17:00 WIB; Thursday 24 December 2026 cuti bersama, Friday 25th Christmas."""
    return BusinessCalendar(
        tz=JAKARTA,
        closed_dates=frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
        name="Jakarta",
        date_notes={date(2026, 12, 24): (CHRISTMAS_EVE,), date(2026, 12, 25): (CHRISTMAS,)},
    )


def test_three_business_days_across_cuti_bersama_christmas_and_a_weekend(jakarta: BusinessCalendar) -> None:
    start = wib(2026, 12, 23, 10, 0)
    explanation = explain_deadline(start, Target(3, TargetUnit.BUSINESS_DAYS), jakarta)
    # 7 h on Wednesday; Thursday, Friday, the weekend skipped; 9 h Monday, 9 h Tuesday, 2 h Wednesday.
    assert explanation.deadline == wib(2026, 12, 30, 10, 0)
    assert explanation.deadline == deadline(start, Target(3, TargetUnit.BUSINESS_DAYS), jakarta)
    assert (explanation.duration, explanation.counted, explanation.held) == (
        27 * HOUR,
        27 * HOUR,
        timedelta(0),
    )
    assert explanation.is_exact and explanation.is_business_time
    assert (explanation.calendar_name, explanation.zone.key) == ("Jakarta", "Asia/Jakarta")
    assert explanation.business_day_length == 9 * HOUR
    assert explanation.counting_from == wib(2026, 12, 23, 10, 0)
    assert [
        (day.first_day, day.last_day, day.status, day.notes, local_pieces(day), day.counted, day.total)
        for day in explanation.days
    ] == [
        (
            date(2026, 12, 23),
            date(2026, 12, 23),
            DayStatus.COUNTED,
            (),
            [("10:00", "17:00", False)],
            7 * HOUR,
            7 * HOUR,
        ),
        (
            date(2026, 12, 24),
            date(2026, 12, 24),
            DayStatus.CUTI_BERSAMA,
            (CHRISTMAS_EVE,),
            [],
            timedelta(0),
            7 * HOUR,
        ),
        (
            date(2026, 12, 25),
            date(2026, 12, 25),
            DayStatus.PUBLIC_HOLIDAY,
            (CHRISTMAS,),
            [],
            timedelta(0),
            7 * HOUR,
        ),
        (date(2026, 12, 26), date(2026, 12, 26), DayStatus.WEEKEND, (), [], timedelta(0), 7 * HOUR),
        (date(2026, 12, 27), date(2026, 12, 27), DayStatus.WEEKEND, (), [], timedelta(0), 7 * HOUR),
        (
            date(2026, 12, 28),
            date(2026, 12, 28),
            DayStatus.COUNTED,
            (),
            [("08:00", "17:00", False)],
            9 * HOUR,
            16 * HOUR,
        ),
        (
            date(2026, 12, 29),
            date(2026, 12, 29),
            DayStatus.COUNTED,
            (),
            [("08:00", "17:00", False)],
            9 * HOUR,
            25 * HOUR,
        ),
        (
            date(2026, 12, 30),
            date(2026, 12, 30),
            DayStatus.COUNTED,
            (),
            [("08:00", "10:00", False)],
            2 * HOUR,
            27 * HOUR,
        ),
    ]
    assert explanation.pauses == ()


def test_four_business_hours_starting_after_hours_count_from_the_next_morning(
    jakarta: BusinessCalendar,
) -> None:
    start = wib(2026, 12, 22, 19, 30)  # Tuesday evening
    explanation = explain_deadline(start, Target(4, TargetUnit.HOURS), jakarta)
    assert explanation.deadline == wib(2026, 12, 23, 12, 0)
    assert explanation.counting_from == wib(2026, 12, 23, 8, 0)
    assert [(day.first_day, day.status, local_pieces(day), day.counted) for day in explanation.days] == [
        (date(2026, 12, 22), DayStatus.OUTSIDE_HOURS, [], timedelta(0)),
        (date(2026, 12, 23), DayStatus.COUNTED, [("08:00", "12:00", False)], 4 * HOUR),
    ]


def test_an_elapsed_target_counts_every_hour_holidays_included_in_the_given_zone() -> None:
    start = wib(2026, 12, 24, 20, 0)
    notes = {date(2026, 12, 25): (CHRISTMAS,)}
    explanation = explain_deadline(
        start, Target(24, TargetUnit.HOURS), TwentyFourSeven(), zone=JAKARTA, day_notes=notes
    )
    assert explanation.deadline == wib(2026, 12, 25, 20, 0) == start + 24 * HOUR
    assert not explanation.is_business_time
    assert (explanation.calendar_name, explanation.zone.key, explanation.weekly_hours) == (
        "",
        "Asia/Jakarta",
        (),
    )
    assert [
        (day.first_day, day.status, day.notes, local_pieces(day), day.counted) for day in explanation.days
    ] == [
        (date(2026, 12, 24), DayStatus.COUNTED, (), [("20:00", "00:00", False)], 4 * HOUR),
        (date(2026, 12, 25), DayStatus.COUNTED, (CHRISTMAS,), [("00:00", "20:00", False)], 20 * HOUR),
    ]


def test_a_pause_holds_the_working_time_inside_it_and_moves_the_deadline(jakarta: BusinessCalendar) -> None:
    start = wib(2026, 12, 23, 10, 0)
    paused_at, resumed_at = wib(2026, 12, 28, 16, 0), wib(2026, 12, 29, 9, 0)
    explanation = explain_deadline(
        start, Target(3, TargetUnit.BUSINESS_DAYS), jakarta, pauses=[(paused_at, resumed_at)]
    )
    # 12 business hours were left at Monday 16:00; counted again from Tuesday 09:00: Wednesday 12:00.
    expected = deadline_after_pause(wib(2026, 12, 30, 10, 0), paused_at, resumed_at, jakarta)
    assert explanation.deadline == expected == wib(2026, 12, 30, 12, 0)
    (pause,) = explanation.pauses
    assert (pause.started_at, pause.ended_at, pause.effect) == (paused_at, resumed_at, PauseEffect.MOVED)
    assert (pause.left_at_pause, pause.held) == (12 * HOUR, 2 * HOUR)
    assert (pause.due_before, pause.due_after) == (wib(2026, 12, 30, 10, 0), wib(2026, 12, 30, 12, 0))
    assert (explanation.counted, explanation.held, explanation.is_exact) == (27 * HOUR, 2 * HOUR, True)
    assert [(day.first_day, local_pieces(day), day.counted, day.held) for day in explanation.days[-3:]] == [
        (date(2026, 12, 28), [("08:00", "16:00", False), ("16:00", "17:00", True)], 8 * HOUR, HOUR),
        (date(2026, 12, 29), [("08:00", "09:00", True), ("09:00", "17:00", False)], 8 * HOUR, HOUR),
        (date(2026, 12, 30), [("08:00", "12:00", False)], 4 * HOUR, timedelta(0)),
    ]


def test_a_pause_after_the_deadline_moves_nothing_and_one_still_going_says_what_was_left(
    jakarta: BusinessCalendar,
) -> None:
    start = wib(2026, 12, 22, 8, 0)
    target = Target(4, TargetUnit.HOURS)  # due Tuesday 12:00
    late = (wib(2026, 12, 22, 13, 0), wib(2026, 12, 22, 14, 0))
    ongoing = (wib(2026, 12, 22, 10, 0), None)
    explanation = explain_deadline(start, target, jakarta, pauses=[late])
    assert explanation.deadline == wib(2026, 12, 22, 12, 0)
    assert [(pause.effect, pause.held, pause.left_at_pause) for pause in explanation.pauses] == [
        (PauseEffect.AFTER_DEADLINE, timedelta(0), timedelta(0))
    ]
    explanation = explain_deadline(start, target, jakarta, pauses=[ongoing])
    # The clock stands still: the deadline does not move until the ticket resumes; 2 h were left.
    assert explanation.deadline == wib(2026, 12, 22, 12, 0)
    (pause,) = explanation.pauses
    assert (pause.effect, pause.ended_at, pause.left_at_pause) == (PauseEffect.STILL_PAUSED, None, 2 * HOUR)


def test_a_pause_that_began_before_the_clock_started_is_applied_as_the_product_applies_it(
    jakarta: BusinessCalendar,
) -> None:
    # A stage entered while the ticket waited for the customer: the pause rule counts from its start.
    paused_at, start, resumed_at = wib(2026, 12, 22, 9, 0), wib(2026, 12, 22, 10, 0), wib(2026, 12, 22, 11, 0)
    target = Target(2, TargetUnit.HOURS)
    expected = deadline_after_pause(deadline(start, target, jakarta), paused_at, resumed_at, jakarta)
    explanation = explain_deadline(start, target, jakarta, pauses=[(paused_at, resumed_at)])
    assert explanation.deadline == expected == wib(2026, 12, 22, 14, 0)
    assert (explanation.counted, explanation.held, explanation.is_exact) == (3 * HOUR, HOUR, False)


def test_a_named_day_the_operator_closed_and_a_working_saturday() -> None:
    calendar = BusinessCalendar(
        tz=JAKARTA,
        closed_dates=frozenset({date(2026, 12, 21)}),
        special_hours={date(2026, 12, 19): ((time(8), time(12)),)},
        date_notes={
            date(2026, 12, 21): (DateNote(DateNoteKind.CLOSURE, "Office move"),),
            date(2026, 12, 19): (DateNote(DateNoteKind.OPENING, "Year-end backlog"),),
        },
    )
    explanation = explain_deadline(wib(2026, 12, 18, 16, 0), Target(6, TargetUnit.HOURS), calendar)
    assert explanation.deadline == wib(2026, 12, 22, 9, 0)
    assert [
        (day.first_day, day.status, [n.name for n in day.notes], day.counted) for day in explanation.days
    ] == [
        (date(2026, 12, 18), DayStatus.COUNTED, [], HOUR),
        (date(2026, 12, 19), DayStatus.COUNTED, ["Year-end backlog"], 4 * HOUR),
        (date(2026, 12, 20), DayStatus.WEEKEND, [], timedelta(0)),
        (date(2026, 12, 21), DayStatus.CLOSED, ["Office move"], timedelta(0)),
        (date(2026, 12, 22), DayStatus.COUNTED, [], HOUR),
    ]


def test_a_long_target_folds_runs_of_like_days_and_stays_bounded(jakarta: BusinessCalendar) -> None:
    start = wib(2026, 12, 23, 10, 0)
    explanation = explain_deadline(start, Target(24 * 60, TargetUnit.HOURS), TwentyFourSeven(), zone=JAKARTA)
    assert explanation.deadline == start + 60 * 24 * HOUR
    # The first partial day, one run of 59 full days, the last partial day.
    assert [(day.first_day, day.last_day, day.days, day.counted) for day in explanation.days] == [
        (date(2026, 12, 23), date(2026, 12, 23), 1, 14 * HOUR),
        (date(2026, 12, 24), date(2027, 2, 20), 59, 59 * 24 * HOUR),
        (date(2027, 2, 21), date(2027, 2, 21), 1, 10 * HOUR),
    ]
    years = explain_deadline(start, Target(600, TargetUnit.BUSINESS_DAYS), jakarta)
    assert len(years.days) == MAX_DAY_ENTRIES - 1
    assert (
        sum(day.days for day in years.days)
        == (years.deadline.astimezone(JAKARTA).date() - date(2026, 12, 23)).days + 1
    )
    assert sum((day.counted for day in years.days), timedelta(0)) == 600 * 9 * HOUR == years.counted
    assert [day.status for day in years.days].count(DayStatus.SUMMARY) == 1
    assert years.days[-1].total == 600 * 9 * HOUR


def test_bad_input_is_refused_clearly(jakarta: BusinessCalendar) -> None:
    start = wib(2026, 12, 22, 8, 0)
    with pytest.raises(ValueError, match="cannot end"):
        explain_deadline(start, Target(1, TargetUnit.HOURS), jakarta, pauses=[(start, start - HOUR)])
    with pytest.raises(ValueError, match="only the last pause"):
        explain_deadline(start, Target(1, TargetUnit.HOURS), jakarta, pauses=[(start, None), (start, start)])
    with pytest.raises(ValueError, match="timezone-aware"):
        explain_deadline(datetime(2026, 12, 22, 8), Target(1, TargetUnit.HOURS), jakarta)
    with pytest.raises(ValueError, match="DateNote"):
        BusinessCalendar(tz=JAKARTA, date_notes={date(2026, 1, 1): ("New Year",)})  # type: ignore[dict-item]


# --- the property: the explanation ends where the product's deadline is -------------------------


@st.composite
def explained_cases(draw: st.DrawFn) -> tuple[object, datetime, Target, list[tuple[datetime, datetime]]]:
    """A random calendar (or 24x7), start, target, and up to three pauses one after the other, each
    after the start, as a ticket has them."""
    clock = draw(st.one_of(calendars(), st.just(TwentyFourSeven())))
    start = FIRST_MINUTE + timedelta(seconds=draw(st.integers(0, MINUTES_IN_2025_2026 * 60)))
    unit = draw(st.sampled_from(list(TargetUnit)))
    amount = draw(st.integers(0, {"minutes": 600, "hours": 40, "business_days": 4}[unit]))
    pauses = []
    moment = start
    for _ in range(draw(st.integers(0, 3))):
        paused_at = moment + timedelta(seconds=draw(st.integers(0, 3 * 24 * 3600)))
        resumed_at = paused_at + timedelta(seconds=draw(st.integers(0, 3 * 24 * 3600)))
        pauses.append((paused_at, resumed_at))
        moment = resumed_at
    return clock, start, Target(amount, unit), pauses


@_settings(400)
@given(explained_cases())
def test_the_explanation_ends_at_the_products_deadline_having_counted_the_target(
    case: tuple[object, datetime, Target, list[tuple[datetime, datetime]]],
) -> None:
    clock, start, target, pauses = case
    assert isinstance(clock, BusinessCalendar | TwentyFourSeven)
    due = deadline(start, target, clock)
    for paused_at, resumed_at in pauses:
        due = deadline_after_pause(due, paused_at, resumed_at, clock)
    explanation = explain_deadline(start, target, clock, pauses=pauses, zone=JAKARTA)
    assert explanation.deadline == due
    # Counting the working time outside the pauses reaches the target exactly at the deadline...
    assert explanation.is_exact
    assert explanation.counted == target.as_duration(clock)
    assert sum((day.counted for day in explanation.days), timedelta(0)) == explanation.counted
    if explanation.counted:
        last_counted = max(
            piece.end for day in explanation.days for piece in day.pieces if not piece.is_paused
        )
        assert last_counted == due
    # ...and what the pauses held is the working time inside them.
    held = sum((pause.held for pause in explanation.pauses), timedelta(0))
    assert held == explanation.held
    for pause in explanation.pauses:
        if pause.effect is PauseEffect.MOVED and pause.ended_at is not None:
            assert pause.held == business_time_between(
                max(pause.started_at, start), min(pause.ended_at, due), clock
            )
