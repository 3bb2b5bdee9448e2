"""Business-time arithmetic for SLA deadlines: the only place in the product that does it.

An SLA target ("respond within 2 hours", "resolve within 3 business days") runs on a *clock*:

* `TwentyFourSeven` — plain elapsed time, day and night, weekends and holidays included;
* `BusinessCalendar` — only the working hours of a region count: weekly opening hours in the region's
  time zone (WIB, WITA or WIT), minus closed dates (public holidays, cuti bersama, operator closures),
  with per-date special hours (e.g. an operator-declared working Saturday).

Everything here is pure: the calendar and every moment are passed in, nothing reads the current time,
the database or the network. All moments must be timezone-aware; every moment returned is in UTC.

How wall-clock time is interpreted (this matters only for zones with daylight-saving time; Indonesia
has none, but the rules hold for any IANA zone):

* A moment is *open* when its local wall-clock time in the calendar's zone falls inside one of the
  working intervals of its local date. Business time is the real elapsed time spent open.
* Consequently, when clocks jump forward, the skipped wall-clock times never happen and are not
  counted: an interval starting inside the gap opens at the moment of the jump, one ending inside it
  closes at the jump. When clocks fall back, a repeated wall-clock hour inside working hours is
  worked (and counted) twice. Non-existent or ambiguous local times never raise.
* The calculation assumes a zone's UTC offset changes at most once within about a day, which holds
  for every real zone.

Arithmetic is exact to the microsecond (instants are handled as integer microseconds).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import TypeAlias, TypeVar
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_WEEKLY_HOURS",
    "BusinessCalendar",
    "Clock",
    "DateNote",
    "DateNoteKind",
    "DayExplanation",
    "DayHours",
    "DayStatus",
    "DeadlineExplanation",
    "Interval",
    "PauseEffect",
    "PauseExplanation",
    "PieceOfTime",
    "Target",
    "TargetUnit",
    "TwentyFourSeven",
    "add_business_time",
    "add_elapsed",
    "business_time_between",
    "deadline",
    "deadline_after_pause",
    "explain_deadline",
    "is_open",
    "next_opening",
    "risk_point",
]

Interval: TypeAlias = tuple[time, time]
"""A working interval [start, end) in wall-clock time of one day; `end == time.max` means "until
midnight" (the interval then runs to the very end of the day, 24:00)."""

DayHours: TypeAlias = tuple[Interval, ...]
"""The working intervals of one day, sorted and non-overlapping; empty means closed all day."""

DEFAULT_WEEKLY_HOURS: tuple[DayHours, ...] = (
    *(((time(8, 0), time(17, 0)),) for _ in range(5)),
    (),
    (),
)
"""Monday to Friday 08:00-17:00, closed on Saturday and Sunday."""

# If this many days pass without a single open moment the calendar is treated as having no working
# time at all (ten years: longer than any real closure, short enough to fail fast).
MAX_DAYS_WITHOUT_OPENING = 3660

_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# 1970-01-01 was a Thursday (weekday 3), so weekday = (days since epoch + 3) % 7.
_EPOCH_WEEKDAY = 3

_UsSpan: TypeAlias = tuple[int, int]


class TargetUnit(enum.StrEnum):
    """The unit an SLA target amount is expressed in."""

    MINUTES = "minutes"
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"


@dataclass(frozen=True)
class TwentyFourSeven:
    """The clock that always runs: business time is plain elapsed time."""


_V = TypeVar("_V")


class _DateMap(Mapping[date, _V]):
    """An immutable, hashable mapping of dates (to their special working hours, or to their notes)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[date, _V]) -> None:
        self._items: dict[date, _V] = dict(sorted(items.items()))

    def __getitem__(self, key: date) -> _V:
        return self._items[key]

    def __iter__(self) -> Iterator[date]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)


_NO_SPECIAL_HOURS: _DateMap[DayHours] = _DateMap({})


class DateNoteKind(enum.StrEnum):
    """Why a date of a business calendar is what it is, as the explanation of a deadline names it."""

    PUBLIC_HOLIDAY = "public_holiday"
    CUTI_BERSAMA = "cuti_bersama"
    CLOSURE = "closure"  # a day the operator closed (its note as the name)
    OPENING = "opening"  # a day the operator opened: a holiday worked, a working Saturday


@dataclass(frozen=True)
class DateNote:
    """A named fact about one date of a calendar: "public holiday: Christmas Day". The notes only
    explain; what is open is decided by `closed_dates` and `special_hours` alone."""

    kind: DateNoteKind
    name: str


_NO_NOTES: _DateMap[tuple[DateNote, ...]] = _DateMap({})


def _time_us(moment: time) -> int:
    """Microseconds since midnight of a wall-clock time; `time.max` stands for 24:00."""
    if moment == time.max:
        return _DAY_US
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def _validated_day(hours: object, what: str) -> DayHours:
    """The working intervals of one day as a tuple, or a ValueError saying what is wrong with them."""
    if not isinstance(hours, tuple | list):
        raise ValueError(f"{what}: expected a tuple of (start, end) intervals, got {hours!r}")
    intervals: list[Interval] = []
    for interval in hours:
        if not isinstance(interval, tuple | list) or len(interval) != 2:
            raise ValueError(f"{what}: each interval must be a (start, end) pair, got {interval!r}")
        start, end = interval
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"{what}: interval bounds must be datetime.time values, got {interval!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what}: interval bounds are wall-clock times and must not carry a tzinfo")
        if not start < end:
            raise ValueError(
                f"{what}: interval start must be before its end, got {start.isoformat()}-{end.isoformat()}"
                " (use time.max as the end for 'until midnight')"
            )
        if intervals and start < intervals[-1][1]:
            previous = intervals[-1]
            raise ValueError(
                f"{what}: intervals must be sorted and must not overlap, but {start.isoformat()}-"
                f"{end.isoformat()} starts before {previous[0].isoformat()}-{previous[1].isoformat()} ends"
            )
        intervals.append((start, end))
    return tuple(intervals)


def _day_us(hours: DayHours) -> tuple[_UsSpan, ...]:
    return tuple((_time_us(start), _time_us(end)) for start, end in hours)


@dataclass(frozen=True)
class BusinessCalendar:
    """The working time of a region: weekly hours in the region's zone, minus closed dates, with
    special hours for particular dates.

    * `tz` — the IANA zone all wall-clock times are read in (Asia/Jakarta, Asia/Makassar, Asia/Jayapura).
    * `weekly_hours` — seven entries, Monday (0) to Sunday (6); each a tuple of [start, end) wall-clock
      intervals, sorted and non-overlapping (touching is allowed); an empty tuple means closed all day;
      `time.max` as an end means "until midnight".
    * `closed_dates` — dates closed all day: public holidays, cuti bersama, operator closures, already
      merged by the caller (days the operator reopened are left out by the caller). A closed date is
      closed even if it also has special hours.
    * `special_hours` — per-date hours replacing the weekly hours of that date (e.g. a working
      Saturday); an empty tuple closes the date. Any mapping is accepted; it is stored immutably.
    * `business_day_length` — how much business time "one business day" of a target means.
    * `name` and `date_notes` — only for explaining a deadline (`explain_deadline`): the calendar's
      name, and per date what makes it special (the public holiday's or cuti bersama's name, the
      operator's note on a closure or an opening). The arithmetic never reads them.
    """

    tz: ZoneInfo
    weekly_hours: tuple[DayHours, ...] = DEFAULT_WEEKLY_HOURS
    closed_dates: frozenset[date] = frozenset()
    special_hours: Mapping[date, DayHours] = _NO_SPECIAL_HOURS
    business_day_length: timedelta = timedelta(hours=9)
    name: str = ""
    date_notes: Mapping[date, tuple[DateNote, ...]] = _NO_NOTES

    # Derived once from the fields above, in microseconds and day ordinals, for the calculations.
    _weekly_us: tuple[tuple[_UsSpan, ...], ...] = field(init=False, repr=False, compare=False)
    _special_us: Mapping[int, tuple[_UsSpan, ...]] = field(init=False, repr=False, compare=False)
    _closed_days: frozenset[int] = field(init=False, repr=False, compare=False)
    _has_working_time: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, ZoneInfo):
            raise TypeError(
                f"tz must be a zoneinfo.ZoneInfo (e.g. ZoneInfo('Asia/Jakarta')), got {self.tz!r}"
            )

        weekly = tuple(self.weekly_hours)
        if len(weekly) != 7:
            raise ValueError(f"weekly_hours must have 7 entries (Monday to Sunday), got {len(weekly)}")
        day_names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        weekly = tuple(
            _validated_day(hours, f"weekly_hours[{index}] ({day_names[index]})")
            for index, hours in enumerate(weekly)
        )

        closed = frozenset(self.closed_dates)
        for day in closed:
            # datetime is a subclass of date; a datetime here is almost certainly a mistake.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"closed_dates must contain datetime.date values, got {day!r}")

        special: dict[date, DayHours] = {}
        for day, hours in dict(self.special_hours).items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"special_hours keys must be datetime.date values, got {day!r}")
            special[day] = _validated_day(hours, f"special_hours[{day.isoformat()}]")

        if not isinstance(self.business_day_length, timedelta) or self.business_day_length <= timedelta(0):
            raise ValueError(
                f"business_day_length must be a positive timedelta, got {self.business_day_length!r}"
            )

        notes: dict[date, tuple[DateNote, ...]] = {}
        for day, day_notes in dict(self.date_notes).items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"date_notes keys must be datetime.date values, got {day!r}")
            if not all(isinstance(note, DateNote) for note in day_notes):
                raise ValueError(
                    f"date_notes[{day.isoformat()}] must hold DateNote values, got {day_notes!r}"
                )
            notes[day] = tuple(day_notes)

        object.__setattr__(self, "weekly_hours", weekly)
        object.__setattr__(self, "date_notes", _DateMap(notes))
        object.__setattr__(self, "closed_dates", closed)
        object.__setattr__(self, "special_hours", _DateMap(special))
        object.__setattr__(self, "_weekly_us", tuple(_day_us(hours) for hours in weekly))
        object.__setattr__(
            self,
            "_special_us",
            {day.toordinal() - _EPOCH_ORDINAL: _day_us(hours) for day, hours in special.items()},
        )
        object.__setattr__(
            self, "_closed_days", frozenset(day.toordinal() - _EPOCH_ORDINAL for day in closed)
        )
        object.__setattr__(
            self,
            "_has_working_time",
            any(weekly) or any(hours and day not in closed for day, hours in special.items()),
        )

    def _hours_of_day(self, day: int) -> tuple[_UsSpan, ...]:
        """Working intervals (microseconds since local midnight) of the local date `day` days after
        1970-01-01."""
        if day in self._closed_days:
            return ()
        special = self._special_us.get(day)
        if special is not None:
            return special
        return self._weekly_us[(day + _EPOCH_WEEKDAY) % 7]


Clock: TypeAlias = TwentyFourSeven | BusinessCalendar
"""What an SLA target runs on: elapsed time or a region's business calendar."""


@dataclass(frozen=True)
class Target:
    """An SLA target: an amount of time in a unit, e.g. 2 hours or 3 business days."""

    amount: int
    unit: TargetUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"a target amount must be a non-negative whole number, got {self.amount!r}")
        object.__setattr__(self, "unit", TargetUnit(self.unit))

    def as_duration(self, clock: Clock) -> timedelta:
        """The amount of (business) time the target allows on `clock`: minutes and hours as they are
        (business minutes/hours on a calendar); business days as N x 24 h on a 24x7 clock and as
        N x the calendar's business_day_length on a business calendar."""
        if self.unit is TargetUnit.MINUTES:
            return timedelta(minutes=self.amount)
        if self.unit is TargetUnit.HOURS:
            return timedelta(hours=self.amount)
        if isinstance(clock, BusinessCalendar):
            return clock.business_day_length * self.amount
        _check_clock(clock)
        return timedelta(hours=24 * self.amount)


# --- helpers -------------------------------------------------------------------------------------


def _check_clock(clock: object) -> None:
    if not isinstance(clock, TwentyFourSeven | BusinessCalendar):
        raise TypeError(f"clock must be a TwentyFourSeven or a BusinessCalendar, got {clock!r}")


def _to_us(name: str, moment: object) -> int:
    """Microseconds since the Unix epoch of an aware datetime; naive ones are refused."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got the naive {moment.isoformat()}; "
            "attach the zone it was observed in (e.g. tzinfo=datetime.UTC)"
        )
    return (moment - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _duration_us(duration: object) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {duration!r}")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    return duration // _ONE_US


def _offset_us(tz: ZoneInfo, us: int) -> int:
    """The zone's UTC offset at the instant `us`, in microseconds."""
    offset = _from_us(us).astimezone(tz).utcoffset()
    if offset is None:  # pragma: no cover - a ZoneInfo always knows the offset of an instant
        raise ValueError(f"the time zone {tz.key} gives no UTC offset for {_from_us(us).isoformat()}")
    return offset // _ONE_US


def _offset_change(tz: ZoneInfo, before: int, after: int, offset: int) -> int:
    """The first instant in (before, after] whose offset differs from `offset`, given that the offset
    at `before` is `offset` and at `after` is not (bisection to the microsecond)."""
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_us(tz, middle) == offset:
            before = middle
        else:
            after = middle
    return after


def _open_spans(calendar: BusinessCalendar, start: int, stop: int | None) -> Iterator[_UsSpan]:
    """The open stretches [a, b) of `calendar` (UTC microseconds) in time order, none before `start`.

    Time is walked in chunks of at most one local day within which the UTC offset is constant, so that
    local wall time is simply instant + offset. Stops once `stop` is passed (the last stretch may
    reach beyond it). Without `stop`, raises ValueError when no working time is found in
    MAX_DAYS_WITHOUT_OPENING days, so that a calendar without working time cannot loop forever.
    """
    if stop is None and not calendar._has_working_time:
        raise ValueError(
            "the business calendar has no working time at all (every weekday closed and no special "
            "hours): no deadline can be computed on it"
        )
    tz = calendar.tz
    moment = start
    last_open = start
    offset = _offset_us(tz, moment)
    while stop is None or moment < stop:
        day = (moment + offset) // _DAY_US
        day_start = day * _DAY_US - offset  # the instant of local midnight at the current offset
        chunk_end = day_start + _DAY_US
        next_offset = _offset_us(tz, chunk_end)
        if next_offset != offset:
            chunk_end = _offset_change(tz, moment, chunk_end, offset)
            next_offset = _offset_us(tz, chunk_end)
        for open_at, close_at in calendar._hours_of_day(day):
            span_start = max(day_start + open_at, moment)
            span_end = min(day_start + close_at, chunk_end)
            if span_start < span_end:
                last_open = span_end
                yield span_start, span_end
        if stop is None and chunk_end - last_open > MAX_DAYS_WITHOUT_OPENING * _DAY_US:
            raise ValueError(
                f"the business calendar has no working time in the {MAX_DAYS_WITHOUT_OPENING} days after "
                f"{_from_us(last_open).isoformat()} (every day closed?): no deadline can be computed on it"
            )
        moment = chunk_end
        offset = next_offset


# --- the public operations -----------------------------------------------------------------------


def is_open(moment: datetime, clock: Clock) -> bool:
    """Whether business time is running at `moment` (always on a 24x7 clock)."""
    moment_us = _to_us("moment", moment)
    _check_clock(clock)
    if isinstance(clock, TwentyFourSeven):
        return True
    offset = _offset_us(clock.tz, moment_us)
    day, time_of_day = divmod(moment_us + offset, _DAY_US)
    return any(open_at <= time_of_day < close_at for open_at, close_at in clock._hours_of_day(day))


def next_opening(moment: datetime, clock: Clock) -> datetime:
    """The first open moment at or after `moment`: `moment` itself (in UTC) when open then.

    Raises ValueError when a business calendar has no working time within
    MAX_DAYS_WITHOUT_OPENING days."""
    moment_us = _to_us("moment", moment)
    _check_clock(clock)
    if isinstance(clock, TwentyFourSeven):
        return _from_us(moment_us)
    for span_start, _ in _open_spans(clock, moment_us, None):
        return _from_us(span_start)
    raise AssertionError("unreachable: _open_spans without a stop yields or raises")  # pragma: no cover


def add_business_time(start: datetime, duration: timedelta, clock: Clock) -> datetime:
    """The moment at which `duration` of business time has run on `clock`, counting from `start`
    (or from the next opening when `start` is outside working hours).

    A result that lands exactly on a closing time stays there (Mon 08:00 + 9 h = Mon 17:00, not the
    next opening). A zero duration returns `start` itself (in UTC) even outside working hours: there
    is nothing to count. Raises ValueError for naive datetimes, negative durations and calendars
    without working time."""
    start_us = _to_us("start", start)
    remaining = _duration_us(duration)
    _check_clock(clock)
    if remaining == 0 or isinstance(clock, TwentyFourSeven):
        return _from_us(start_us + remaining)
    for span_start, span_end in _open_spans(clock, start_us, None):
        if span_end - span_start >= remaining:
            return _from_us(span_start + remaining)
        remaining -= span_end - span_start
    raise AssertionError("unreachable: _open_spans without a stop yields or raises")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, clock: Clock) -> timedelta:
    """The business time that runs on `clock` from `start` to `end`; zero if `end` is not after
    `start`."""
    start_us = _to_us("start", start)
    end_us = _to_us("end", end)
    _check_clock(clock)
    if end_us <= start_us:
        return timedelta(0)
    if isinstance(clock, TwentyFourSeven):
        return timedelta(microseconds=end_us - start_us)
    total = 0
    for span_start, span_end in _open_spans(clock, start_us, end_us):
        if span_start >= end_us:
            break
        total += min(span_end, end_us) - span_start
    return timedelta(microseconds=total)


def add_elapsed(start: datetime, duration: timedelta) -> datetime:
    """`start` plus `duration` of plain elapsed time (a window that runs day and night, such as the
    customer's time to confirm a fix), in UTC."""
    return _from_us(_to_us("start", start) + _duration_us(duration))


def deadline(start: datetime, target: Target, clock: Clock) -> datetime:
    """The deadline of `target` counted from `start` on `clock`."""
    return add_business_time(start, target.as_duration(clock), clock)


def deadline_after_pause(
    old_due: datetime, paused_at: datetime, resumed_at: datetime, clock: Clock
) -> datetime:
    """The deadline once a pause from `paused_at` to `resumed_at` has ended: paused time does not count.

    The business time that was left at the pause, business_time_between(paused_at, old_due), is added
    again from `resumed_at`. Two guards keep a pause from ever helping a late ticket or hurting an
    on-time one: a deadline that had already passed when the pause began (old_due <= paused_at) stays
    where it was, and the new deadline is never earlier than the old one (which could otherwise happen
    when old_due lies outside working hours, e.g. a deadline computed on another clock)."""
    old_us = _to_us("old_due", old_due)
    paused_us = _to_us("paused_at", paused_at)
    resumed_us = _to_us("resumed_at", resumed_at)
    if resumed_us < paused_us:
        raise ValueError(
            f"a pause cannot end ({resumed_at.isoformat()}) before it began ({paused_at.isoformat()})"
        )
    if old_us <= paused_us:
        _check_clock(clock)
        return _from_us(old_us)
    remaining = business_time_between(paused_at, old_due, clock)
    return max(_from_us(old_us), add_business_time(resumed_at, remaining, clock))


def risk_point(start: datetime, due: datetime, clock: Clock, fraction: float) -> datetime:
    """The moment at which `fraction` (0 to 1, e.g. 0.75) of the business time from `start` to `due`
    has been used: start + fraction x business_time_between(start, due), added in business time.

    The fraction is taken as the decimal number it is written as (0.8 means exactly 4/5, not the
    nearest binary float) and the partial duration is rounded down to the microsecond."""
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not math.isfinite(fraction):
        raise ValueError(f"fraction must be a float between 0 and 1, got {fraction!r}")
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    exact = Fraction(repr(float(fraction)))
    total_us = business_time_between(start, due, clock) // _ONE_US
    used_us = total_us * exact.numerator // exact.denominator
    return add_business_time(start, timedelta(microseconds=used_us), clock)


# --- explaining a deadline -----------------------------------------------------------------------

# An explanation lists every day from the start to the deadline while that is short; a longer one
# (an elapsed target of weeks, business days over months) folds runs of like days (a week's ordinary
# working days, a weekend) into one line each, and past MAX_DAY_ENTRIES lines keeps the first and last
# days and sums up the middle in one line, so that its size stays bounded whatever the target.
FOLD_RUNS_AFTER = 31
MAX_DAY_ENTRIES = 60


class DayStatus(enum.StrEnum):
    """What one day (or a run of like days) contributed to a deadline."""

    COUNTED = "counted"  # working time was counted on it
    PAUSED = "paused"  # all its working time in the stretch fell in a pause
    OUTSIDE_HOURS = "outside_hours"  # a working day whose working time lay outside the stretch
    WEEKEND = "weekend"  # a Saturday or Sunday without working hours
    NOT_WORKING_DAY = "not_working_day"  # another weekday without working hours in this calendar
    PUBLIC_HOLIDAY = "public_holiday"
    CUTI_BERSAMA = "cuti_bersama"
    CLOSED = "closed"  # closed by the operator, or by special hours of none
    SUMMARY = "summary"  # the folded middle of a very long explanation


class PauseEffect(enum.StrEnum):
    """What a pause did to the deadline."""

    MOVED = "moved"  # the business time left at the pause was counted again from the resumption
    AFTER_DEADLINE = "after_deadline"  # it began once the deadline had passed: nothing moved
    STILL_PAUSED = "still_paused"  # not over yet: the deadline moves when the clock resumes


@dataclass(frozen=True)
class PieceOfTime:
    """A stretch of working time on one day, [start, end) in UTC: counted, or held by a pause."""

    start: datetime
    end: datetime
    is_paused: bool

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class DayExplanation:
    """One local date of the clock's zone, or a run of like dates (`first_day` to `last_day`, `days`
    of them): what it contributed. `pieces` are those of the first date of a run (its dates share
    their hours); `counted` and `held` are summed over the run; `total` is the business time counted
    from the start up to the end of this entry."""

    first_day: date
    last_day: date
    days: int
    status: DayStatus
    notes: tuple[DateNote, ...]
    pieces: tuple[PieceOfTime, ...]
    counted: timedelta
    held: timedelta
    total: timedelta

    @property
    def is_run(self) -> bool:
        return self.days > 1


@dataclass(frozen=True)
class PauseExplanation:
    """One pause of the clock and what it did: the business time that was left when it began
    (`left_at_pause`), the working time that fell inside it and was not counted (`held`), and the
    deadline before and after it."""

    started_at: datetime
    ended_at: datetime | None
    effect: PauseEffect
    left_at_pause: timedelta
    held: timedelta
    due_before: datetime
    due_after: datetime


@dataclass(frozen=True)
class DeadlineExplanation:
    """How a deadline was reached: the target and its clock, every day from the start to the
    deadline with the working time counted and the days skipped (and why), the pauses, and the
    deadline itself — always the one `deadline()` and `deadline_after_pause()` give for the same
    inputs.

    `counted` is the business time counted outside the pauses between `start` and `deadline`; it
    equals `duration` in every ordinary case. It does not where the pause rule of
    `deadline_after_pause` gives more than the pauses' own length — a pause that began before the
    clock started (a stage entered while waiting for the customer) — and `is_exact` is then False."""

    start: datetime
    counting_from: datetime
    target: Target
    duration: timedelta
    is_business_time: bool
    calendar_name: str
    zone: ZoneInfo
    weekly_hours: tuple[DayHours, ...]
    business_day_length: timedelta | None
    days: tuple[DayExplanation, ...]
    pauses: tuple[PauseExplanation, ...]
    counted: timedelta
    held: timedelta
    deadline: datetime
    is_exact: bool


def _elapsed_spans(tz: ZoneInfo, start: int) -> Iterator[_UsSpan]:
    """Time itself in pieces of at most one local day of `tz` (a 24x7 clock's "open spans")."""
    moment = start
    while True:
        local = _from_us(moment).astimezone(tz)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=tz)
        chunk_end = max(_to_us("midnight", next_midnight), moment + 1)
        yield moment, chunk_end
        moment = chunk_end


def _cut(span: _UsSpan, pauses: list[_UsSpan]) -> Iterator[tuple[int, int, bool]]:
    """The pieces of an open span outside (False) and inside (True) the sorted, merged pauses."""
    start, end = span
    for pause_start, pause_end in pauses:
        if pause_end <= start:
            continue
        if pause_start >= end:
            break
        if pause_start > start:
            yield start, pause_start, False
        yield max(start, pause_start), min(end, pause_end), True
        start = min(end, pause_end)
        if start >= end:
            return
    if start < end:
        yield start, end, False


def _merged(spans: list[_UsSpan]) -> list[_UsSpan]:
    merged: list[_UsSpan] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _closed_status(calendar: BusinessCalendar, day: date, notes: tuple[DateNote, ...]) -> DayStatus:
    """Why a date without any working time was skipped."""
    if day in calendar.closed_dates:
        kinds = {note.kind for note in notes}
        if DateNoteKind.CLOSURE in kinds:
            return DayStatus.CLOSED
        if DateNoteKind.PUBLIC_HOLIDAY in kinds:
            return DayStatus.PUBLIC_HOLIDAY
        if DateNoteKind.CUTI_BERSAMA in kinds:
            return DayStatus.CUTI_BERSAMA
        return DayStatus.CLOSED
    if day in calendar.special_hours:
        return DayStatus.CLOSED
    return DayStatus.WEEKEND if day.weekday() >= 5 else DayStatus.NOT_WORKING_DAY


def _fold_runs(days: list[DayExplanation]) -> list[DayExplanation]:
    """Consecutive like days (ordinary full working days with the same hours, weekends, other days
    off) as one entry each."""

    def signature(entry: DayExplanation) -> tuple[object, ...] | None:
        if (
            entry.notes
            or entry.held
            or entry.status
            not in (
                DayStatus.COUNTED,
                DayStatus.WEEKEND,
                DayStatus.NOT_WORKING_DAY,
            )
        ):
            return None
        return (
            entry.status,
            entry.counted // max(entry.days, 1),
            tuple(
                (
                    piece.start - datetime.combine(entry.first_day, time(), tzinfo=piece.start.tzinfo),
                    piece.length,
                )
                for piece in entry.pieces
            ),
        )

    folded: list[DayExplanation] = []
    for entry in days:
        previous = folded[-1] if folded else None
        key = signature(entry)
        if (
            previous is not None
            and key is not None
            and signature(previous) == key
            and previous.last_day + timedelta(days=1) == entry.first_day
        ):
            folded[-1] = DayExplanation(
                first_day=previous.first_day,
                last_day=entry.last_day,
                days=previous.days + entry.days,
                status=previous.status,
                notes=(),
                pieces=previous.pieces,
                counted=previous.counted + entry.counted,
                held=timedelta(0),
                total=entry.total,
            )
        else:
            folded.append(entry)
    return folded


def _bounded(days: list[DayExplanation]) -> list[DayExplanation]:
    if len(days) <= MAX_DAY_ENTRIES:
        return days
    keep = MAX_DAY_ENTRIES // 2 - 1
    middle = days[keep:-keep]
    summary = DayExplanation(
        first_day=middle[0].first_day,
        last_day=middle[-1].last_day,
        days=sum(entry.days for entry in middle),
        status=DayStatus.SUMMARY,
        notes=(),
        pieces=(),
        counted=sum((entry.counted for entry in middle), timedelta(0)),
        held=sum((entry.held for entry in middle), timedelta(0)),
        total=middle[-1].total,
    )
    return [*days[:keep], summary, *days[-keep:]]


def explain_deadline(
    start: datetime,
    target: Target,
    clock: Clock,
    *,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
    zone: ZoneInfo | None = None,
    day_notes: Mapping[date, tuple[DateNote, ...]] | None = None,
) -> DeadlineExplanation:
    """How the deadline of `target`, counted from `start` on `clock` and moved by `pauses`, is reached.

    `pauses` are (paused_at, resumed_at) pairs in the order they happened, as `deadline_after_pause`
    is applied to them one after the other; a last pause with `resumed_at` None is still going on
    (the clock is stopped: the deadline stands until it resumes). The deadline is `deadline()` then
    `deadline_after_pause()` for each finished pause; the days are walked from `start` to it.

    Days are local dates of the calendar's zone; a 24x7 clock has none, so they are those of `zone`
    (the ticket's; UTC if not given), with `day_notes` (e.g. the region's holidays) shown on them —
    a 24x7 clock counts holidays like any other day."""
    start_us = _to_us("start", start)
    _check_clock(clock)
    pause_list: list[tuple[datetime, datetime | None]] = []
    for index, (paused_at, resumed_at) in enumerate(pauses):
        _to_us("paused_at", paused_at)
        if resumed_at is None:
            pause_list.append((paused_at, None))
            continue
        if _to_us("resumed_at", resumed_at) < _to_us("paused_at", paused_at):
            raise ValueError(
                f"pause {index}: it cannot end ({resumed_at.isoformat()}) before it began "
                f"({paused_at.isoformat()})"
            )
        pause_list.append((paused_at, resumed_at))
    if any(resumed_at is None for _, resumed_at in pause_list[:-1]):
        raise ValueError("only the last pause may still be going on (resumed_at None)")

    duration = target.as_duration(clock)
    is_business = isinstance(clock, BusinessCalendar)
    tz = clock.tz if isinstance(clock, BusinessCalendar) else (zone or ZoneInfo("UTC"))

    # The deadline, exactly as the product computes it.
    due = deadline(start, target, clock)
    steps: list[PauseExplanation] = []
    for paused_at, resumed_at in pause_list:
        left = business_time_between(paused_at, due, clock)
        if resumed_at is None:
            steps.append(
                PauseExplanation(
                    paused_at.astimezone(UTC), None, PauseEffect.STILL_PAUSED, left, timedelta(0), due, due
                )
            )
            continue
        moved = deadline_after_pause(due, paused_at, resumed_at, clock)
        effect = PauseEffect.AFTER_DEADLINE if due <= paused_at else PauseEffect.MOVED
        steps.append(
            PauseExplanation(
                paused_at.astimezone(UTC),
                resumed_at.astimezone(UTC),
                effect,
                left if effect is PauseEffect.MOVED else timedelta(0),
                timedelta(0),
                due,
                moved,
            )
        )
        due = moved
    due_us = _to_us("deadline", due)

    # The walk: working time from the start, cut by the pauses that moved the deadline, up to it.
    finished = [
        (_to_us("paused_at", step.started_at), _to_us("resumed_at", step.ended_at))
        for step in steps
        if step.ended_at is not None and step.effect is PauseEffect.MOVED
    ]
    held_spans = _merged(finished)
    spans: Iterator[_UsSpan] = (
        _open_spans(clock, start_us, None)
        if isinstance(clock, BusinessCalendar)
        else _elapsed_spans(tz, start_us)
    )
    pieces: list[tuple[int, int, bool]] = []
    counting_from = due_us
    if due_us > start_us:
        for span in spans:
            if span[0] >= due_us:
                break
            for piece_start, piece_end, is_paused in _cut((span[0], min(span[1], due_us)), held_spans):
                pieces.append((piece_start, piece_end, is_paused))
                if not is_paused:
                    counting_from = min(counting_from, piece_start)
            if span[1] >= due_us:
                break

    held_by_pause = []
    for step in steps:
        if step.ended_at is None or step.effect is not PauseEffect.MOVED:
            held_by_pause.append(step)
            continue
        low, high = _to_us("paused_at", step.started_at), _to_us("resumed_at", step.ended_at)
        held_us = sum(
            max(0, min(end, high) - max(begin, low)) for begin, end, is_paused in pieces if is_paused
        )
        held_by_pause.append(
            PauseExplanation(
                step.started_at,
                step.ended_at,
                step.effect,
                step.left_at_pause,
                timedelta(microseconds=held_us),
                step.due_before,
                step.due_after,
            )
        )

    # Day by day, in the clock's zone.
    by_day: dict[date, list[PieceOfTime]] = {}
    for piece_start, piece_end, is_paused in pieces:
        day = _from_us(piece_start).astimezone(tz).date()
        by_day.setdefault(day, []).append(PieceOfTime(_from_us(piece_start), _from_us(piece_end), is_paused))
    notes_of = clock.date_notes if isinstance(clock, BusinessCalendar) else (day_notes or {})
    days: list[DayExplanation] = []
    total = timedelta(0)
    if due_us > start_us:
        first = _from_us(start_us).astimezone(tz).date()
        last = _from_us(due_us - 1).astimezone(tz).date()
        day = first
        while day <= last:
            day_pieces = tuple(by_day.get(day, ()))
            notes = tuple(notes_of.get(day, ()))
            counted = sum((piece.length for piece in day_pieces if not piece.is_paused), timedelta(0))
            held = sum((piece.length for piece in day_pieces if piece.is_paused), timedelta(0))
            if counted:
                status = DayStatus.COUNTED
            elif held:
                status = DayStatus.PAUSED
            elif isinstance(clock, BusinessCalendar) and not clock._hours_of_day(
                day.toordinal() - _EPOCH_ORDINAL
            ):
                status = _closed_status(clock, day, notes)
            else:
                status = DayStatus.OUTSIDE_HOURS
            total += counted
            days.append(DayExplanation(day, day, 1, status, notes, day_pieces, counted, held, total))
            day += timedelta(days=1)
    if len(days) > FOLD_RUNS_AFTER:
        days = _fold_runs(days)
    days = _bounded(days)

    counted_total = timedelta(microseconds=sum(end - begin for begin, end, paused in pieces if not paused))
    held_total = timedelta(microseconds=sum(end - begin for begin, end, paused in pieces if paused))
    return DeadlineExplanation(
        start=_from_us(start_us),
        counting_from=_from_us(counting_from),
        target=target,
        duration=duration,
        is_business_time=is_business,
        calendar_name=clock.name if isinstance(clock, BusinessCalendar) else "",
        zone=tz,
        weekly_hours=clock.weekly_hours if isinstance(clock, BusinessCalendar) else (),
        business_day_length=clock.business_day_length if isinstance(clock, BusinessCalendar) else None,
        days=tuple(days),
        pauses=tuple(held_by_pause),
        counted=counted_total,
        held=held_total,
        deadline=due,
        is_exact=counted_total == duration,
    )
