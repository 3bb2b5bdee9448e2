"""The SLA watcher (SPEC §6): one sweep marks tickets at risk and breached, records each fact with its
time, warns the owner and hands breaches to escalation.

Set-based: each step is one SQL statement over the partial indexes on the deadline columns
(`ticket_*_due`), taking at most `batch_size` tickets (`FOR UPDATE SKIP LOCKED`, so two sweeps at once
split the work instead of waiting), in its own short transaction. A sweep with nothing due runs one
statement per step whatever the number of open tickets; nothing is loaded into Python.

Once-only facts hold under any concurrency: the state column only moves forward (ok → at risk →
breached) under the row lock, SLA events are inserted `ON CONFLICT DO NOTHING` against their unique
(ticket, target, kind, deadline), and warnings carry a unique dedupe key. Only the rows a statement
actually inserted produce notifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pghistory
import structlog
from django.conf import settings
from django.db import connection, transaction

from escalation.models import Trigger
from escalation.sweep import escalate_breaches

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Step:
    """One kind of mark: `target`'s clock goes from one of `from_states` to `kind` when `time_column`
    has passed (and, for at-risk, the deadline itself has not)."""

    target: str  # response | resolution | stage (SlaEvent.target)
    kind: str  # at_risk | breached
    state_column: str
    due_column: str
    time_column: str
    from_states: tuple[str, ...]

    def sql(self) -> str:
        states = ", ".join(f"'{state}'" for state in self.from_states)
        not_yet_due = f"AND {self.due_column} > %(now)s" if self.kind == "at_risk" else ""
        # The WHERE repeats each partial index's predicate literally so the planner can use it.
        # Column and state names come from the STEPS constants below, never from input.
        return f"""
        WITH picked AS (
            SELECT id FROM tickets_ticket
            WHERE {self.state_column} IN ({states})
              AND paused = false
              AND {self.time_column} <= %(now)s
              {not_yet_due}
            ORDER BY {self.time_column}
            LIMIT %(batch)s
            FOR UPDATE SKIP LOCKED
        ),
        marked AS (
            UPDATE tickets_ticket t SET {self.state_column} = '{self.kind}'
            FROM picked WHERE t.id = picked.id
            RETURNING t.id, t.number, t.{self.due_column} AS due, t.assignee_id, t.team_id
        ),
        recorded AS (
            INSERT INTO sla_slaevent (ticket_id, target, kind, due, recorded_at)
            SELECT id, '{self.target}', '{self.kind}', due, %(now)s FROM marked
            ON CONFLICT (ticket_id, target, kind, due) DO NOTHING
            RETURNING ticket_id
        ),
        owners AS (
            -- The owner is the assignee; a ticket nobody holds yet is owned by its team.
            SELECT m.id AS ticket_id, m.number, m.due, m.assignee_id AS user_id
            FROM marked m JOIN recorded r ON r.ticket_id = m.id
            WHERE m.assignee_id IS NOT NULL
            UNION
            SELECT m.id, m.number, m.due, tm.user_id
            FROM marked m JOIN recorded r ON r.ticket_id = m.id
            JOIN tickets_team_members tm ON tm.team_id = m.team_id
            WHERE m.assignee_id IS NULL
        ),
        outbox AS (
            INSERT INTO escalation_notification
                (channel, recipient_id, email, language, template, context, ticket_id, dedupe_key,
                 created_at, sent_at, attempts, last_error)
            SELECT ch.channel, o.user_id,
                   CASE WHEN ch.channel = 'email' THEN u.email ELSE '' END,
                   'id', 'sla_warning',
                   jsonb_build_object('number', o.number, 'target', '{self.target}',
                                      'kind', '{self.kind}', 'due', o.due),
                   o.ticket_id,
                   'sla:{self.target}:{self.kind}:' || o.ticket_id || ':'
                       || floor(extract(epoch FROM o.due))::bigint || ':' || o.user_id || ':' || ch.channel,
                   %(now)s,
                   CASE WHEN ch.channel = 'inbox' THEN %(now)s END,
                   0, ''
            FROM owners o
            JOIN auth_user u ON u.id = o.user_id AND u.is_active
            CROSS JOIN (VALUES ('email'), ('inbox')) AS ch(channel)
            WHERE ch.channel = 'inbox' OR u.email <> ''
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id, channel
        )
        SELECT (SELECT count(*) FROM picked),
               (SELECT count(*) FROM recorded),
               COALESCE((SELECT array_agg(id) FROM outbox WHERE channel = 'email'), '{{}}')
        """


# Breaches first: a ticket found past both its risk point and its deadline is simply breached.
STEPS: Sequence[Step] = (
    Step(
        "response", "breached", "response_sla", "first_response_due", "first_response_due", ("ok", "at_risk")
    ),
    Step("resolution", "breached", "resolution_sla", "resolution_due", "resolution_due", ("ok", "at_risk")),
    Step("stage", "breached", "stage_sla", "stage_due", "stage_due", ("ok",)),
    Step("response", "at_risk", "response_sla", "first_response_due", "first_response_risk_at", ("ok",)),
    Step("resolution", "at_risk", "resolution_sla", "resolution_due", "resolution_risk_at", ("ok",)),
)


@dataclass
class SweepResult:
    """What one sweep did: marks (rows moved), SLA events recorded, escalations raised, statements."""

    marked: dict[str, int] = field(default_factory=dict)
    recorded: dict[str, int] = field(default_factory=dict)
    escalations: dict[str, int] = field(default_factory=dict)
    email_ids: list[int] = field(default_factory=list)
    statements: int = 0

    @property
    def total_recorded(self) -> int:
        return sum(self.recorded.values())

    @property
    def total_escalations(self) -> int:
        return sum(self.escalations.values())


def _enqueue_emails(ids: list[int]) -> None:
    """After commit: one task per chunk of owed emails (the outbox keeps them if the broker is away)."""
    if not ids:
        return

    def enqueue() -> None:
        from escalation.tasks import notifications_send_many

        chunk = 200
        for start in range(0, len(ids), chunk):
            try:
                notifications_send_many.delay(ids[start : start + chunk])
            except Exception:  # broker away: beat's notifications_flush sends them later
                log.warning("sla_sweep_enqueue_failed", owed=len(ids) - start)
                return

    transaction.on_commit(enqueue)


def run_sweep(*, now: dt.datetime, batch_size: int | None = None) -> SweepResult:
    """One pass of the watcher as of `now`. Each batch commits on its own, so a long sweep never holds
    many locks, and a crash loses nothing (the next sweep picks up where this one stopped)."""
    batch = batch_size or int(settings.HELPDESK["SWEEP_BATCH_SIZE"])
    result = SweepResult()
    with pghistory.context(via="sla_watcher"):
        for step in STEPS:
            name = f"{step.target}_{step.kind}"
            sql = step.sql()
            while True:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, {"now": now, "batch": batch})
                    picked, recorded, email_ids = cursor.fetchone()
                    result.statements += 1
                    _enqueue_emails(list(email_ids))
                result.marked[name] = result.marked.get(name, 0) + picked
                result.recorded[name] = result.recorded.get(name, 0) + recorded
                result.email_ids += list(email_ids)
                if picked < batch:
                    break
        for trigger in (Trigger.RESPONSE_BREACH, Trigger.RESOLUTION_BREACH):
            while True:
                with transaction.atomic():
                    outcome = escalate_breaches(trigger=trigger, now=now, batch_size=batch)
                    result.statements += 1
                    _enqueue_emails(outcome.email_ids)
                result.escalations[trigger.value] = result.escalations.get(trigger.value, 0) + outcome.raised
                result.email_ids += outcome.email_ids
                if outcome.considered < batch:
                    break
    log.info(
        "sla_sweep",
        marked=result.marked,
        recorded=result.total_recorded,
        escalations=result.escalations,
        statements=result.statements,
    )
    return result
