"""Writes of the SLA module. The ticket transition tells this module explicitly what happened (created,
reclassified, paused, resumed, responded, stage entered, resolved, reopened, closed); these functions set
the deadline and state columns on the ticket *in memory* and return the names of the fields they changed,
so that the transition saves the ticket once. All date arithmetic goes through `sla.clock`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

import holidays
from django.conf import settings
from django.db import transaction

from helpdesk.lib.vocabulary import NO_RUNNING_CLOCK, RUNNING_SLA_STATES, SlaState, Stage
from sla import clock
from sla.config import config_changed
from sla.models import PublicHoliday, SlaPause
from sla.selectors import (
    NEXT_STAGE,
    PolicyTargets,
    TimedTarget,
    policy_targets,
    stage_target,
    ticket_region_id,
    time_zone_of,
)
from sla.sweep import SweepResult, run_sweep

if TYPE_CHECKING:
    from tickets.models import Ticket

RESPONSE_FIELDS = ["first_response_due", "first_response_risk_at", "response_sla"]
RESOLUTION_FIELDS = ["resolution_due", "resolution_risk_at", "resolution_sla"]


def sla_config_changed() -> None:
    """Invalidate every process's memoised calendars and policies (sla.config; model writes do it by
    themselves, SQL written by hand calls this)."""
    config_changed()


def _at_risk_fraction() -> float:
    return float(settings.HELPDESK["AT_RISK_FRACTION"])


def _targets(ticket: Ticket) -> PolicyTargets:
    return policy_targets(
        classification=ticket.classification, tier=ticket.customer.tier, region_id=ticket_region_id(ticket)
    )


def _replay_pauses(ticket: Ticket, moment: dt.datetime, timed: TimedTarget) -> dt.datetime:
    """Shift a deadline (or risk point) by every finished pause that began before it."""
    if ticket.pk is None:
        return moment
    finished = SlaPause.objects.filter(ticket=ticket, ended_at__isnull=False).order_by("started_at")
    for started_at, ended_at in finished.values_list("started_at", "ended_at"):
        moment = clock.deadline_after_pause(moment, started_at, cast(dt.datetime, ended_at), timed.clock)
    return moment


def _schedule(ticket: Ticket, start: dt.datetime, timed: TimedTarget) -> tuple[dt.datetime, dt.datetime]:
    """Deadline and at-risk point of a target counted from `start`, with past pauses not counted."""
    due = clock.deadline(start, timed.target, timed.clock)
    risk = clock.risk_point(start, due, timed.clock, _at_risk_fraction())
    return _replay_pauses(ticket, due, timed), _replay_pauses(ticket, risk, timed)


def next_running_due(ticket: Ticket) -> dt.datetime:
    """The nearest deadline of a clock still running (what "most urgent first" sorts by): the first
    response's while nobody has answered, the resolution's until the fix. A ticket waiting for the
    customer, or whose clocks have both stopped (met or missed), has none: NO_RUNNING_CLOCK."""
    if ticket.paused:
        return NO_RUNNING_CLOCK
    dues = []
    if ticket.response_sla in RUNNING_SLA_STATES and ticket.first_response_due is not None:
        dues.append(ticket.first_response_due)
    if ticket.resolution_sla in RUNNING_SLA_STATES and ticket.resolution_due is not None:
        dues.append(ticket.resolution_due)
    return min(dues, default=NO_RUNNING_CLOCK)


def _with_next_due(ticket: Ticket, changed: list[str]) -> list[str]:
    """`changed`, and the ticket's `next_due` brought in step with its clocks."""
    ticket.next_due = next_running_due(ticket)
    return [*changed, "next_due"]


def sla_start(ticket: Ticket, *, now: dt.datetime) -> list[str]:
    """A new ticket: both clocks start at the report time (SPEC §6); the verification target at receipt.
    The ticket learns the zone it lives in."""
    ticket.time_zone = time_zone_of(service=ticket.service, customer=ticket.customer)
    targets = _targets(ticket)
    ticket.first_response_due, ticket.first_response_risk_at = _schedule(
        ticket, ticket.reported_at, targets.response
    )
    ticket.resolution_due, ticket.resolution_risk_at = _schedule(
        ticket, ticket.reported_at, targets.resolution
    )
    ticket.response_sla = SlaState.OK
    ticket.resolution_sla = SlaState.OK
    return _with_next_due(
        ticket, ["time_zone", *RESPONSE_FIELDS, *RESOLUTION_FIELDS, *sla_stage_entered(ticket, now)]
    )


def sla_reclassified(ticket: Ticket) -> list[str]:
    """The classification changed: both deadlines are recomputed from the report time under the new
    policy (pauses still not counted). A clock that already stopped (met or missed) is left alone."""
    targets = _targets(ticket)
    changed: list[str] = []
    if ticket.response_sla in RUNNING_SLA_STATES:
        ticket.first_response_due, ticket.first_response_risk_at = _schedule(
            ticket, ticket.reported_at, targets.response
        )
        ticket.response_sla = SlaState.OK
        changed += RESPONSE_FIELDS
    if ticket.resolution_sla in RUNNING_SLA_STATES:
        ticket.resolution_due, ticket.resolution_risk_at = _schedule(
            ticket, ticket.reported_at, targets.resolution
        )
        ticket.resolution_sla = SlaState.OK
        changed += RESOLUTION_FIELDS
    if ticket.stage == Stage.DISPATCHED:
        changed += _cap_stage_due(ticket)
    return _with_next_due(ticket, changed)


def sla_paused(ticket: Ticket, *, at: dt.datetime, actor_id: int | None) -> list[str]:
    """Waiting for the customer: every clock of the ticket stops (SPEC §5)."""
    SlaPause.objects.create(ticket=ticket, started_at=at, started_by_id=actor_id)
    ticket.paused = True
    ticket.paused_at = at
    return _with_next_due(ticket, ["paused", "paused_at"])


def sla_resumed(ticket: Ticket, *, at: dt.datetime, actor_id: int | None) -> list[str]:
    """The pause ends: each running deadline moves on by the business time the pause took from it."""
    pause = SlaPause.objects.select_for_update().filter(ticket=ticket, ended_at__isnull=True).first()
    started = pause.started_at if pause else (ticket.paused_at or at)
    if pause is not None:
        pause.ended_at = at
        pause.ended_by_id = actor_id
        pause.save(update_fields=["ended_at", "ended_by"])
    targets = _targets(ticket)
    changed = ["paused", "paused_at"]
    ticket.paused = False
    ticket.paused_at = None
    if ticket.first_responded_at is None and ticket.first_response_due is not None:
        ticket.first_response_due = clock.deadline_after_pause(
            ticket.first_response_due, started, at, targets.response.clock
        )
        if ticket.first_response_risk_at is not None:
            ticket.first_response_risk_at = clock.deadline_after_pause(
                ticket.first_response_risk_at, started, at, targets.response.clock
            )
        changed += RESPONSE_FIELDS[:2]
    if ticket.resolved_at is None and ticket.resolution_due is not None:
        ticket.resolution_due = clock.deadline_after_pause(
            ticket.resolution_due, started, at, targets.resolution.clock
        )
        if ticket.resolution_risk_at is not None:
            ticket.resolution_risk_at = clock.deadline_after_pause(
                ticket.resolution_risk_at, started, at, targets.resolution.clock
            )
        changed += RESOLUTION_FIELDS[:2]
    if ticket.stage_due is not None:
        next_stage = NEXT_STAGE.get(Stage(ticket.stage))
        timed = stage_target(next_stage, ticket_region_id(ticket)) if next_stage else None
        ticket.stage_due = clock.deadline_after_pause(
            ticket.stage_due, started, at, timed.clock if timed else clock.TwentyFourSeven()
        )
        changed.append("stage_due")
    return _with_next_due(ticket, changed)


def sla_first_response(ticket: Ticket, *, at: dt.datetime) -> list[str]:
    """A person's first public reply or logged contact stops the response clock (met or missed)."""
    if ticket.first_responded_at is not None:
        return []
    ticket.first_responded_at = at
    if ticket.response_sla in RUNNING_SLA_STATES:
        due = ticket.first_response_due
        ticket.response_sla = SlaState.MET if due is not None and at <= due else SlaState.MISSED
    return _with_next_due(ticket, ["first_responded_at", "response_sla"])


def _cap_stage_due(ticket: Ticket) -> list[str]:
    """Stage 4 is never later than the classification's resolution target (SPEC §5)."""
    if (
        ticket.stage_due is not None
        and ticket.resolution_due is not None
        and ticket.stage_due > ticket.resolution_due
    ):
        ticket.stage_due = ticket.resolution_due
    return ["stage_due"]


def sla_stage_entered(ticket: Ticket, at: dt.datetime) -> list[str]:
    """Entering a stage starts the target of the next one (verification 2 h, dispatch 4 h, ...)."""
    next_stage = NEXT_STAGE.get(Stage(ticket.stage))
    timed = stage_target(next_stage, ticket_region_id(ticket)) if next_stage else None
    ticket.stage_due = clock.deadline(at, timed.target, timed.clock) if timed else None
    ticket.stage_sla = SlaState.OK
    if ticket.stage == Stage.DISPATCHED:
        return [*_cap_stage_due(ticket), "stage_sla"]
    return ["stage_due", "stage_sla"]


def _stop(ticket: Ticket, *, at: dt.datetime, response: bool, resolution: bool) -> list[str]:
    changed: list[str] = []
    if response and ticket.response_sla in RUNNING_SLA_STATES:
        due = ticket.first_response_due
        ticket.response_sla = SlaState.MET if due is not None and at <= due else SlaState.MISSED
        changed.append("response_sla")
    if resolution and ticket.resolution_sla in RUNNING_SLA_STATES:
        due = ticket.resolution_due
        ticket.resolution_sla = SlaState.MET if due is not None and at <= due else SlaState.MISSED
        changed.append("resolution_sla")
    return changed


def sla_resolved(ticket: Ticket, *, at: dt.datetime) -> list[str]:
    """Resolution stops both clocks. A ticket fixed before anyone replied has its response clock
    judged by the fix itself: met if the fix came before the response deadline."""
    ticket.resolved_at = at
    if ticket.first_resolved_at is None:
        ticket.first_resolved_at = at
    changed = ["resolved_at", "first_resolved_at"]
    changed += _stop(ticket, at=at, response=ticket.first_responded_at is None, resolution=True)
    return _with_next_due(ticket, changed)


def sla_reopened(ticket: Ticket, *, at: dt.datetime) -> list[str]:
    """A rejected fix: the resolution clock runs again against the original deadline."""
    ticket.resolved_at = None
    ticket.resolution_sla = SlaState.OK
    return _with_next_due(ticket, ["resolved_at", "resolution_sla"])


def sla_closed(ticket: Ticket, *, at: dt.datetime) -> list[str]:
    """Closing stops whatever still runs (a duplicate or invalid complaint closed early)."""
    ticket.stage_due = None
    return _with_next_due(ticket, ["stage_due", *_stop(ticket, at=at, response=True, resolution=True)])


def holidays_refresh(*, years: list[int]) -> int:
    """Load Indonesia's public holidays and cuti bersama for `years` from the `holidays` package
    (categories public and government). Returns how many new days were stored."""
    created = 0
    with transaction.atomic():
        for category in ("public", "government"):
            days = holidays.country_holidays("ID", years=years, categories=(category,))
            for day, names in sorted(days.items()):
                # One row per date (a day's several names joined); a day already stored keeps its row.
                _, was_created = PublicHoliday.objects.get_or_create(
                    date=day, defaults={"name": names[:200], "category": category}
                )
                created += int(was_created)
    if created:
        sla_config_changed()
    return created


def sla_sweep(*, now: dt.datetime, batch_size: int | None = None) -> SweepResult:
    """The watcher's one pass (beat every minute, or `manage.py sla_sweep`): see sla.sweep."""
    return run_sweep(now=now, batch_size=batch_size)
