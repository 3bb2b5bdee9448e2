"""A deliberately naive reference for `sla.clock`, used only by the property tests.

It walks time one minute at a time: each minute is converted to local wall-clock time in the
calendar's zone and counted when that wall time falls inside the working hours of its local date.
It is slow on purpose and shares no code with `sla.clock`, so that the two can check each other.

Both functions work on whole minutes only: the start (and end) must be minute-aligned, and the
calendar's intervals must start and end on minute boundaries (`time.max` meaning "until midnight"
works too, because the last minute of a day starts at 23:59:00 < time.max).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla.clock import BusinessCalendar

MINUTE = timedelta(minutes=1)
# A guard against a broken calendar hanging the test run: no test walks further than this.
MAX_MINUTES_WALKED = 400 * 24 * 60


def _minute_aligned(moment: datetime) -> datetime:
    assert moment.tzinfo is not None, "the naive clock takes aware datetimes only"
    moment = moment.astimezone(UTC)
    assert moment.second == 0, "the naive clock works on whole minutes"
    assert moment.microsecond == 0, "the naive clock works on whole minutes"
    return moment


def naive_is_open(moment: datetime, cal: BusinessCalendar) -> bool:
    """Whether the minute starting at `moment` is working time: look up its local date and time."""
    local = moment.astimezone(cal.tz)
    day = local.date()
    if day in cal.closed_dates:
        return False
    hours = cal.special_hours[day] if day in cal.special_hours else cal.weekly_hours[day.weekday()]
    wall = local.time()
    return any(start <= wall < end for start, end in hours)


def naive_add(start: datetime, minutes: int, cal: BusinessCalendar) -> datetime:
    """The end of the `minutes`-th working minute at or after `start` (`start` itself for zero)."""
    moment = _minute_aligned(start)
    counted = 0
    walked = 0
    while counted < minutes:
        if naive_is_open(moment, cal):
            counted += 1
        moment += MINUTE
        walked += 1
        assert walked <= MAX_MINUTES_WALKED, "naive_add walked too far: calendar without working time?"
    return moment


def naive_between(start: datetime, end: datetime, cal: BusinessCalendar) -> int:
    """The number of working minutes from `start` up to (not including) `end`."""
    moment = _minute_aligned(start)
    stop = _minute_aligned(end)
    assert stop - moment <= MAX_MINUTES_WALKED * MINUTE, "naive_between asked to walk too far"
    counted = 0
    while moment < stop:
        if naive_is_open(moment, cal):
            counted += 1
        moment += MINUTE
    return counted
