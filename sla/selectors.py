"""Reads of the SLA module: which clock a ticket runs on, which policy applies, and the one place that
decides whether a ticket is on time, at risk or breached (`sla_state_q`, `annotate_sla_states`)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db.models import Case, CharField, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from helpdesk.lib.sql import window_holds
from helpdesk.lib.vocabulary import RUNNING_SLA_STATES, UNCLASSIFIED_AS, CustomerTier, SlaState, Stage
from sla import clock
from sla.config import memoised
from sla.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarDayKind,
    ClockKind,
    PublicHoliday,
    SlaPause,
    SlaPolicy,
    StageTarget,
    WorkingHours,
)

if TYPE_CHECKING:
    from tickets.models import Ticket


# The `holidays` package's categories as the explanation of a deadline names them (SPEC §6): "government"
# is the cuti bersama the government declares beside the public holidays.
_HOLIDAY_NOTE_KINDS = {
    "public": clock.DateNoteKind.PUBLIC_HOLIDAY,
    "government": clock.DateNoteKind.CUTI_BERSAMA,
}


def _national_holidays() -> dict[dt.date, clock.DateNote]:
    """Every national public holiday and cuti bersama day with its name as stored (one query)."""
    return {
        day: clock.DateNote(_HOLIDAY_NOTE_KINDS.get(category, clock.DateNoteKind.PUBLIC_HOLIDAY), name)
        for day, name, category in PublicHoliday.objects.values_list("date", "name", "category")
    }


def _build_calendar(calendar: BusinessCalendar) -> clock.BusinessCalendar:
    weekly: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    for hours in WorkingHours.objects.filter(calendar=calendar).order_by("weekday", "start"):
        weekly[hours.weekday].append((hours.start, hours.end))
    closed: set[dt.date] = set()
    notes: dict[dt.date, tuple[clock.DateNote, ...]] = {}
    if calendar.use_national_holidays:
        for day, note in _national_holidays().items():
            closed.add(day)
            notes[day] = (note,)
    special: dict[dt.date, tuple[tuple[dt.time, dt.time], ...]] = {}
    for day in CalendarDay.objects.filter(calendar=calendar):
        if day.kind == CalendarDayKind.CLOSED:
            closed.add(day.date)
            notes[day.date] = (*notes.get(day.date, ()), clock.DateNote(clock.DateNoteKind.CLOSURE, day.note))
        else:
            closed.discard(day.date)
            notes[day.date] = (*notes.get(day.date, ()), clock.DateNote(clock.DateNoteKind.OPENING, day.note))
            if day.start is not None and day.end is not None:
                special[day.date] = ((day.start, day.end),)
    return clock.BusinessCalendar(
        tz=zoneinfo.ZoneInfo(calendar.timezone),
        weekly_hours=tuple(tuple(day) for day in weekly),
        closed_dates=frozenset(closed),
        special_hours=special,
        business_day_length=dt.timedelta(minutes=calendar.business_day_minutes),
        name=calendar.name,
        date_notes=notes,
    )


def business_calendar_for_region(region_id: int | None) -> clock.BusinessCalendar:
    """The business calendar of a region: its own, else the default one, else Mon–Fri 08:00–17:00 in
    Jakarta with the national holidays."""

    def build() -> clock.BusinessCalendar:
        calendar = None
        if region_id is not None:
            calendar = BusinessCalendar.objects.filter(region_id=region_id).first()
        if calendar is None:
            calendar = BusinessCalendar.objects.filter(is_default=True).first()
        if calendar is None:
            national = _national_holidays()
            return clock.BusinessCalendar(
                tz=zoneinfo.ZoneInfo(default_time_zone()),
                closed_dates=frozenset(national),
                date_notes={day: (note,) for day, note in national.items()},
            )
        return _build_calendar(calendar)

    return memoised(("calendar", region_id), build)


def ticket_region_id(ticket: Ticket) -> int | None:
    """The region whose calendar a ticket's clocks use: the service's, else the customer's (SPEC §6)."""
    if ticket.service is not None:
        return ticket.service.region_id
    return ticket.customer.region_id


def default_time_zone() -> str:
    return str(settings.HELPDESK["DEFAULT_REGION_TIME_ZONE"])


def region_time_zones() -> dict[int, str]:
    """Each region's zone by id (a handful of rows, memoised with the rest of the configuration)."""

    def build() -> dict[int, str]:
        regions = apps.get_model("tickets", "Region")._default_manager
        return dict(regions.values_list("id", "timezone"))

    return memoised(("region-zones",), build)


def time_zone_of(*, service: Any = None, customer: Any = None, region_id: int | None = None) -> str:
    """The one place that says which zone a complaint lives in (SPEC §6): its service's region, else its
    customer's, else the region given (a new customer's, typed in the same form), else Jakarta. A
    ticket keeps the answer (`Ticket.time_zone`, set when its clocks start)."""
    for candidate in (getattr(service, "region_id", None), getattr(customer, "region_id", None), region_id):
        if candidate is not None:
            return region_time_zones().get(candidate, default_time_zone())
    return default_time_zone()


def confirmation_due_after(resolved_at: dt.datetime) -> dt.datetime:
    """Until when a customer may confirm or reject a fix made at `resolved_at` (SPEC §5 stage 5)."""
    window = dt.timedelta(hours=settings.HELPDESK["CONFIRMATION_WINDOW_HOURS"])
    return clock.add_elapsed(resolved_at, window)


def confirmation_due(ticket: Ticket) -> dt.datetime | None:
    """The ticket's confirmation deadline, or None if it is not resolved."""
    return confirmation_due_after(ticket.resolved_at) if ticket.resolved_at is not None else None


def clock_of(kind: str, region_id: int | None) -> clock.Clock:
    if kind == ClockKind.ALWAYS:
        return clock.TwentyFourSeven()
    return business_calendar_for_region(region_id)


@dataclass(frozen=True)
class TimedTarget:
    """A target and the clock it runs on."""

    target: clock.Target
    clock: clock.Clock


@dataclass(frozen=True)
class PolicyTargets:
    response: TimedTarget
    resolution: TimedTarget


def _policy_row(classification: str, tier: str) -> SlaPolicy | None:
    def build() -> SlaPolicy | None:
        return (
            SlaPolicy.objects.filter(classification=classification, tier=tier).first()
            or SlaPolicy.objects.filter(classification=classification, tier=CustomerTier.REGULAR).first()
        )

    return memoised(("policy", classification, tier), build)


def policy_targets(*, classification: str, tier: str, region_id: int | None) -> PolicyTargets:
    """The first-response and resolution targets for a ticket. An unclassified ticket (before
    verification) runs on the Minor policy until support classifies it; the deadlines are recomputed then."""
    row = _policy_row(classification or UNCLASSIFIED_AS, tier)
    if row is None:
        raise LookupError(f"No SLA policy for {classification or UNCLASSIFIED_AS}/{tier}")
    return PolicyTargets(
        response=TimedTarget(
            clock.Target(row.response_amount, clock.TargetUnit(row.response_unit)),
            clock_of(row.response_clock, region_id),
        ),
        resolution=TimedTarget(
            clock.Target(row.resolution_amount, clock.TargetUnit(row.resolution_unit)),
            clock_of(row.resolution_clock, region_id),
        ),
    )


def stage_target(stage: str, region_id: int | None) -> TimedTarget | None:
    """The target for the work of reaching `stage` (e.g. "verified": 2 hours after receipt)."""

    def build() -> tuple[int, str, str] | None:
        row = StageTarget.objects.filter(stage=stage).first()
        return (row.amount, row.unit, row.clock) if row else None

    found = memoised(("stage", stage), build)
    if found is None:
        return None
    amount, unit, kind = found
    return TimedTarget(clock.Target(amount, clock.TargetUnit(unit)), clock_of(kind, region_id))


# Which stage's work a ticket sitting in a stage is waiting for.
NEXT_STAGE = {
    Stage.RECEIVED: Stage.VERIFIED,
    Stage.VERIFIED: Stage.DISPATCHED,
    Stage.DISPATCHED: Stage.RESOLVED,
    Stage.RESOLVED: Stage.CONFIRMED,
}


# --- The one place that decides SLA states -------------------------------------------------------------

SLA_FILTER_STATES = RUNNING_SLA_STATES


def _running_state_q(prefix: str, state: str, now: dt.datetime) -> Q:
    """Tickets whose `prefix` clock (response/resolution) is still running and is in `state` now.

    A paused ticket keeps the state it had when the pause began (its clock is stopped)."""
    due, risk, column = {
        "response": ("first_response_due", "first_response_risk_at", "response_sla"),
        "resolution": ("resolution_due", "resolution_risk_at", "resolution_sla"),
    }[prefix]
    # A closed ticket has no running clock (closing stops both: sla.services.sla_closed). Saying so lets
    # PostgreSQL answer from the open tickets' partial indexes: without it the API's ?sla_state=breached,
    # which lists closed tickets too, counted its matches by scanning the whole table (~150 ms at
    # 1,000,000 tickets).
    running = Q(**{f"{column}__in": list(RUNNING_SLA_STATES)}) & ~Q(stage=Stage.CLOSED)
    paused_in_state = Q(paused=True, **{column: state})
    if state == SlaState.BREACHED:
        live = Q(paused=False) & (Q(**{f"{due}__lte": now}) | Q(**{column: SlaState.BREACHED}))
    elif state == SlaState.AT_RISK:
        # Past the risk instant, not yet due: the window from one to the other holds now. Said as a window
        # too (helpdesk.lib.sql.window), it is found from the GiST index of the running clocks' windows
        # (tickets.models, `ticket_*_risk_window`) instead of by walking every open ticket whose deadline
        # is still to come (18,300 at 1,000,000 tickets, for the 670 at risk: the live board's at-risk
        # page and its count, 21 and 18 ms, against 7 and 5; bench/inprocess.py --explain).
        live = (
            Q(paused=False)
            & ~Q(**{column: SlaState.BREACHED})
            & Q(**{f"{due}__gt": now})
            & (
                (Q(window_holds(risk, due, now)) & Q(**{f"{risk}__lte": now}))
                | Q(**{column: SlaState.AT_RISK})
            )
        )
    else:
        live = (
            Q(paused=False)
            & Q(**{column: SlaState.OK})
            & (Q(**{f"{due}__gt": now}) | Q(**{f"{due}__isnull": True}))
            & (Q(**{f"{risk}__gt": now}) | Q(**{f"{risk}__isnull": True}))
        )
    return running & (paused_in_state | live)


def clock_state_q(prefix: str, state: str, now: dt.datetime) -> Q:
    """Tickets whose response or resolution clock is in `state` (ok, at_risk, breached, met, missed)."""
    column = "response_sla" if prefix == "response" else "resolution_sla"
    if state in (SlaState.MET, SlaState.MISSED):
        return Q(**{column: state})
    return _running_state_q(prefix, state, now)


def sla_state_q(state: str, now: dt.datetime) -> Q:
    """The `sla_state` filter of queues and the API: a ticket is breached if either clock is breached,
    at risk if either is at risk and neither is breached, ok otherwise."""
    breached = clock_state_q("response", SlaState.BREACHED, now) | clock_state_q(
        "resolution", SlaState.BREACHED, now
    )
    if state == SlaState.BREACHED:
        return breached
    at_risk = clock_state_q("response", SlaState.AT_RISK, now) | clock_state_q(
        "resolution", SlaState.AT_RISK, now
    )
    if state == SlaState.AT_RISK:
        return at_risk & ~breached
    return ~at_risk & ~breached


def _state_case(prefix: str, now: dt.datetime) -> Case:
    column = "response_sla" if prefix == "response" else "resolution_sla"
    return Case(
        When(Q(**{column: SlaState.MET}), then=Value(SlaState.MET.value)),
        When(Q(**{column: SlaState.MISSED}), then=Value(SlaState.MISSED.value)),
        When(_running_state_q(prefix, SlaState.BREACHED, now), then=Value(SlaState.BREACHED.value)),
        When(_running_state_q(prefix, SlaState.AT_RISK, now), then=Value(SlaState.AT_RISK.value)),
        default=Value(SlaState.OK.value),
        output_field=CharField(),
    )


def annotate_sla_states(queryset: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """Adds `current_response_sla` and `current_resolution_sla`, as of `now`, to every ticket."""
    return queryset.annotate(
        current_response_sla=_state_case("response", now),
        current_resolution_sla=_state_case("resolution", now),
    )


def clock_state(ticket: Ticket, prefix: str, now: dt.datetime) -> str:
    """The same decision for one ticket already in memory (e.g. just created), without a query."""
    column = "response_sla" if prefix == "response" else "resolution_sla"
    stored = getattr(ticket, column)
    if stored in (SlaState.MET, SlaState.MISSED) or ticket.paused:
        return str(stored)
    due = ticket.first_response_due if prefix == "response" else ticket.resolution_due
    risk = ticket.first_response_risk_at if prefix == "response" else ticket.resolution_risk_at
    if stored == SlaState.BREACHED or (due is not None and due <= now):
        return SlaState.BREACHED.value
    if stored == SlaState.AT_RISK or (risk is not None and risk <= now):
        return SlaState.AT_RISK.value
    return SlaState.OK.value


def holidays_in(years: Iterable[int]) -> list[PublicHoliday]:
    return list(PublicHoliday.objects.filter(date__year__in=list(years)))


# Targets outside these bounds are allowed (the operator decides) but warned in the admin: a 1-minute
# resolution, a first response slower than the fix, a month to answer are almost always typing mistakes.
SHORTEST_SENSIBLE_RESPONSE_MINUTES = 5
SHORTEST_SENSIBLE_RESOLUTION_MINUTES = 30
LONGEST_SENSIBLE_TARGET_MINUTES = 30 * 24 * 60


def target_minutes(amount: int, unit: str, *, business_day_minutes: int = 9 * 60) -> int:
    """A target's length in minutes of counted time (a business day as the calendar's working day)."""
    per_unit = {"minutes": 1, "hours": 60, "business_days": business_day_minutes}
    return int(amount) * per_unit.get(unit, 1)


def policy_warnings(
    *, response_amount: int, response_unit: str, resolution_amount: int, resolution_unit: str
) -> list[str]:
    """What looks wrong in an SLA policy's targets, in words, for the admin to warn about (pure)."""
    from django.utils.translation import gettext as _

    from helpdesk.lib.durations import duration_label

    response = target_minutes(response_amount, response_unit)
    resolution = target_minutes(resolution_amount, resolution_unit)
    warnings = []
    if response < SHORTEST_SENSIBLE_RESPONSE_MINUTES:
        warnings.append(
            _("A first response within %(target)s is shorter than anyone can answer.")
            % {"target": duration_label(response)}
        )
    if resolution < SHORTEST_SENSIBLE_RESOLUTION_MINUTES:
        warnings.append(
            _("A resolution within %(target)s leaves no time to fix anything; most tickets would breach.")
            % {"target": duration_label(resolution)}
        )
    if resolution <= response:
        warnings.append(_("The resolution target is not longer than the first response target."))
    if max(response, resolution) > LONGEST_SENSIBLE_TARGET_MINUTES:
        warnings.append(_("A target longer than 30 days is unusual; check the number and the unit."))
    return warnings


# --- How a ticket's deadline was reached ------------------------------------------------------------------

EXPLAINED_CLOCKS = ("response", "resolution", "stage")
_NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ClockExplanation:
    """One of a ticket's clocks (first response, resolution, the current stage's target) explained:
    the deadline recomputed from the inputs the services use — the policy's or the stage's target, the
    region's calendar with its holidays' names, the pauses — next to the deadline stored on the ticket.

    `matches_stored` is False when they differ: the policy, the calendar or the holidays were changed
    after the deadline was set (stored deadlines are not recomputed then). A stage deadline may also be
    `is_capped`: stage 4 never ends after the resolution deadline (SPEC §5). A stage is timed from the
    moment its history row was written, which may lie a fraction of a second after the moment the
    transition used: deadlines within a second of each other are taken as the same."""

    which: str
    explanation: clock.DeadlineExplanation | None
    stored_due: dt.datetime | None
    matches_stored: bool
    is_capped: bool
    # The stage whose work the stage target times (e.g. "verified" while the ticket is received).
    awaited_stage: str
    # When the clock stopped (the first response, the fix) and how it ended (met or missed).
    stopped_at: dt.datetime | None
    outcome: str
    time_zone: str


def _stage_entered_at(ticket: Ticket) -> dt.datetime | None:
    """When the ticket entered its current stage, as its history recorded it (one query: the first row
    of the current stage after the last row of another)."""
    rows = apps.get_model("tickets", "TicketHistory")._default_manager.filter(pgh_obj_id=ticket.pk)
    before = rows.exclude(stage=ticket.stage).order_by("-pgh_id").values("pgh_id")[:1]
    return (
        rows.filter(stage=ticket.stage, pgh_id__gt=Coalesce(Subquery(before), Value(0)))
        .order_by("pgh_id")
        .values_list("pgh_created_at", flat=True)
        .first()
    )


def deadline_explanation(*, ticket: Ticket, which: str) -> ClockExplanation:
    """How the deadline of one of the ticket's clocks (`which`: response, resolution or stage) was
    reached. The caller has checked that the viewer may see the ticket. A small constant number of
    queries: the pauses, for the stage clock its history row, and the memoised configuration."""
    if which not in EXPLAINED_CLOCKS:
        raise ValueError(f"no clock {which!r}: expected one of {', '.join(EXPLAINED_CLOCKS)}")
    region_id = ticket_region_id(ticket)
    zone = zoneinfo.ZoneInfo(ticket.time_zone or default_time_zone())
    stored = {
        "response": ticket.first_response_due,
        "resolution": ticket.resolution_due,
        "stage": ticket.stage_due,
    }[which]
    stopped_at = {"response": ticket.first_responded_at, "resolution": ticket.resolved_at, "stage": None}[
        which
    ]
    outcome = {"response": ticket.response_sla, "resolution": ticket.resolution_sla, "stage": ""}[which]
    empty = ClockExplanation(which, None, stored, False, False, "", stopped_at, str(outcome), str(zone.key))
    if stored is None:
        return empty

    awaited = ""
    if which == "stage":
        next_stage = NEXT_STAGE.get(Stage(ticket.stage))
        timed = stage_target(next_stage, region_id) if next_stage else None
        entered = _stage_entered_at(ticket)
        if timed is None or entered is None or next_stage is None:
            return empty
        awaited, start = next_stage.value, entered
    else:
        targets = _policy_row_targets(ticket, region_id)
        timed = targets.response if which == "response" else targets.resolution
        start = ticket.reported_at

    # The pauses the services applied to this clock (sla.services.sla_resumed): those that ended while
    # it ran — before the first response, before the (latest) fix, during the stage.
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = []
    stops = {"response": ticket.first_responded_at, "resolution": ticket.resolved_at, "stage": None}[which]
    for started_at, ended_at in (
        SlaPause.objects.filter(ticket=ticket)
        .order_by("started_at", "id")
        .values_list("started_at", "ended_at")
    ):
        if ended_at is None:
            if stops is None:
                pauses.append((started_at, None))
        elif which == "stage":
            if ended_at > start:
                pauses.append((started_at, ended_at))
        elif ended_at <= (stops or _NEVER):
            pauses.append((started_at, ended_at))

    notes = None
    if isinstance(timed.clock, clock.TwentyFourSeven):
        notes = business_calendar_for_region(region_id).date_notes
    explanation = clock.explain_deadline(
        start, timed.target, timed.clock, pauses=pauses, zone=zone, day_notes=notes
    )
    tolerance = dt.timedelta(seconds=1) if which == "stage" else dt.timedelta(0)
    matches = abs(explanation.deadline - stored) <= tolerance
    capped = (
        which == "stage"
        and not matches
        and ticket.stage == Stage.DISPATCHED
        and ticket.resolution_due is not None
        and stored == ticket.resolution_due
        and explanation.deadline > stored
    )
    return ClockExplanation(
        which,
        explanation,
        stored,
        matches or capped,
        capped,
        awaited,
        stopped_at,
        str(outcome),
        str(zone.key),
    )


def _policy_row_targets(ticket: Ticket, region_id: int | None) -> PolicyTargets:
    return policy_targets(
        classification=ticket.classification, tier=ticket.customer.tier, region_id=region_id
    )
