"""What the SLA services do to one ticket in memory, written as SQL for statements that change thousands
of tickets at once (an incident's tickets resolved together). Each builder mirrors one function of
`sla.services`, named in its docstring; `tests/tickets/test_incidents.py` proves that a ticket resolved
by the statement has the same SLA columns as one resolved through `ticket_act`.

Every builder returns SQL text over a ticket alias and named parameters; nothing here reads input into
the SQL text."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from helpdesk.lib.vocabulary import RUNNING_SLA_STATES, SlaState, Stage
from sla import clock
from sla.selectors import NEXT_STAGE, stage_target

_RUNNING = ", ".join(f"'{state.value}'" for state in RUNNING_SLA_STATES)


def _judged(state_column: str, due_column: str, at: str) -> str:
    """A running clock stopped at `at`: met if on time, else missed (sla.services._stop)."""
    return (
        f"CASE WHEN {due_column} IS NOT NULL AND {at} <= {due_column} "
        f"THEN '{SlaState.MET.value}' ELSE '{SlaState.MISSED.value}' END"
    )


def resolved_set_sql(*, ticket: str, at: str = "%(at)s", stage_due: str = "%(stage_due)s") -> str:
    """The SET list of `sla.services.sla_resolved` followed by `sla_stage_entered` for the resolved stage:
    the fix stops both clocks (the response clock judged by the fix itself when nobody replied first), the
    confirmation target starts (`stage_due`, an SQL expression), a pause waiting for the customer ends
    (its row is closed by `pauses_end_sql`), and no clock runs any more (`%(no_running_clock)s`: pass
    helpdesk.lib.vocabulary.NO_RUNNING_CLOCK)."""
    t = ticket
    response = _judged(f"{t}.response_sla", f"{t}.first_response_due", at)
    resolution = _judged(f"{t}.resolution_sla", f"{t}.resolution_due", at)
    return f"""
        resolved_at = {at},
        first_resolved_at = COALESCE({t}.first_resolved_at, {at}),
        response_sla = CASE WHEN {t}.first_responded_at IS NULL AND {t}.response_sla IN ({_RUNNING})
                            THEN {response} ELSE {t}.response_sla END,
        resolution_sla = CASE WHEN {t}.resolution_sla IN ({_RUNNING}) THEN {resolution}
                              ELSE {t}.resolution_sla END,
        stage_due = {stage_due},
        stage_sla = '{SlaState.OK.value}',
        paused = false,
        paused_at = NULL,
        next_due = %(no_running_clock)s
    """


def pauses_end_sql(*, tickets: str, at: str = "%(at)s") -> str:
    """Close the open pause of each ticket in `tickets` (a query of ids) at `at` (sla.services.sla_resumed,
    without moving deadlines: the clocks stop at the fix anyway)."""
    return f"UPDATE sla_slapause SET ended_at = {at} WHERE ended_at IS NULL AND ticket_id IN ({tickets})"


def stage_dues_after(stage: Stage, *, at: dt.datetime, region_ids: Iterable[int | None]) -> str:
    """JSON {region id or "default": deadline} of the target that entering `stage` at `at` starts, per
    region (each region's calendar): the parameter `stage_due_sql` reads."""
    next_stage = NEXT_STAGE.get(stage)
    dues: dict[str, str | None] = {}
    for region_id in {*region_ids, None}:
        timed = stage_target(next_stage, region_id) if next_stage else None
        due = clock.deadline(at, timed.target, timed.clock) if timed else None
        dues["default" if region_id is None else str(region_id)] = due.isoformat() if due else None
    return json.dumps(dues)


def stage_due_sql(*, region_id: str, dues: str = "%(stage_dues)s") -> str:
    """The deadline for the ticket's region (`region_id`, an SQL expression) from `stage_dues_after`."""
    return (
        f"COALESCE(({dues}::jsonb ->> ({region_id})::text)::timestamptz, "
        f"({dues}::jsonb ->> 'default')::timestamptz)"
    )
