"""The SLA watcher (SPEC §6): one sweep marks tickets at risk and breached, records each fact with its
time, warns the owner and hands breaches to escalation.

Set-based: each step is one SQL statement over the partial indexes on the deadline columns
(`ticket_*_due`), taking at most `batch_size` tickets (`FOR UPDATE SKIP LOCKED`, so two sweeps at once
split the work instead of waiting), in its own short transaction. A sweep with nothing due runs one
statement per step whatever the number of open tickets; nothing is loaded into Python.

A breach statement also raises, in the same statement, the escalation levels already due (level 1 at the
breach with the seeded rules), so the ticket is written once with its new state and level; later levels
come from `escalation.sweep.escalate_breaches`. The marking statements write the ticket's history rows
themselves, one insert per batch, instead of pghistory's per-row trigger (see `skip_history_trigger`).
A ticket nobody holds warns its team's supervisors (every member of a team without one), not the whole
floor. What a statement owes one person is gathered into one email and one inbox entry (a digest listing
the tickets when there are several; see `notifications.outbox`).

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
import pgtrigger
import structlog
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from escalation.models import Trigger
from escalation.sweep import JIT_OFF, escalate_breaches, escalate_incidents, escalation_ctes, rules_due_sql
from helpdesk.lib.roles import Role
from helpdesk.lib.vocabulary import UNCLASSIFIED_AS, Classification
from notifications.outbox import (
    digest_sql,
    insert_sql,
    staff_channels_sql,
    staff_language_sql,
    staff_time_zone_sql,
)
from notifications.services import send_after_commit

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Step:
    """One kind of mark: `target`'s clock goes from one of `from_states` to `kind` when `time_column`
    has passed (and, for at-risk, the deadline itself has not). A breach step with an escalation
    `trigger` also raises, in the same statement, every level whose delay has already passed."""

    target: str  # response | resolution | stage (SlaEvent.target)
    kind: str  # at_risk | breached
    state_column: str
    due_column: str
    time_column: str
    from_states: tuple[str, ...]
    trigger: Trigger | None = None

    def sql(self) -> str:
        # Column and state names come from the STEPS constants below, never from input.
        states = ", ".join(f"'{state}'" for state in self.from_states)
        not_yet_due = f"AND {self.due_column} > %(now)s" if self.kind == "at_risk" else ""
        if self.trigger:
            # The level rises in the same UPDATE as the state, so the ticket is written (and its history
            # row inserted) once per breach. Levels only rise: an escalation that exists already (the
            # insert below skips it) was raised to this level or higher before.
            escalation = f"""
            due_levels AS (
                -- A ticket linked to a mass incident escalates as the incident (escalation.sweep's
                -- incident ladder), not on its own.
                SELECT t.id AS ticket_id, r.level
                FROM picked p JOIN tickets_ticket t ON t.id = p.id
                {rules_due_sql(ticket="t", due_column=self.due_column)}
                  AND t.incident_id IS NULL
            ),
            """
            level_set = ", escalation_level = GREATEST(t.escalation_level, COALESCE(d.level, 0))"
            level_join = (
                "LEFT JOIN (SELECT ticket_id, max(level) AS level FROM due_levels GROUP BY ticket_id) d "
                "ON d.ticket_id = picked.id"
            )
            raise_ = f"""
            escalate AS (
                SELECT d.ticket_id, d.level FROM due_levels d JOIN marked m ON m.id = d.ticket_id
            ),
            {escalation_ctes(source="escalate")},
            {INCIDENT_BREACHES_SQL},
            """
            raised_count = "(SELECT count(*) FROM raised)"
            escalation_emails = "UNION ALL SELECT id FROM escalation_outbox WHERE channel = 'email'"
        else:
            escalation = level_set = level_join = raise_ = escalation_emails = ""
            raised_count = "0"
        warning_digest = digest_sql(
            items="warning_items",
            group=("user_id", "email", "language", "time_zone"),
            first=("ticket_id", "number", "due"),
            first_order="i.due, i.ticket_id",
            listed="jsonb_build_object('number', i.number, 'due', i.due)",
            listed_order="i.due, i.ticket_id",
        )
        columns = history_columns()
        history = ", ".join(columns)
        marked_history = ", ".join(f"m.{column}" for column in columns)
        # The WHERE repeats each partial index's predicate literally so the planner can use it.
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
        {escalation}
        marked AS (
            UPDATE tickets_ticket t SET {self.state_column} = '{self.kind}'{level_set}
            FROM picked {level_join}
            WHERE t.id = picked.id
            RETURNING t.*, t.{self.due_column} AS due
        ),
        history AS (
            -- The row pghistory's trigger would write for this change (the trigger stands aside for this
            -- transaction, see skip_history_trigger), written for the whole batch at once.
            INSERT INTO tickets_tickethistory
                (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {history})
            SELECT clock_timestamp(), 'changed', m.id, (SELECT _pgh_attach_context()), {marked_history}
            FROM marked m
        ),
        recorded AS (
            INSERT INTO sla_slaevent (ticket_id, target, kind, due, recorded_at)
            SELECT id, '{self.target}', '{self.kind}', due, %(now)s FROM marked
            ON CONFLICT (ticket_id, target, kind, due) DO NOTHING
            RETURNING ticket_id
        ),
        {OWNERS_SQL},
        warning_items AS (
            SELECT o.user_id, u.email, {staff_language_sql("o.user_id")} AS language,
                   {staff_time_zone_sql("o.user_id")} AS time_zone, o.ticket_id, o.number, o.due
            FROM owners o
            JOIN auth_user u ON u.id = o.user_id AND u.is_active
        ),
        warning_mail AS (
            -- What each person is owed for this statement's tickets (notifications.outbox.digest_sql).
            {warning_digest}
        ),
        warning_owed AS (
            SELECT ch.channel, m.user_id AS recipient_id, m.email, m.language, m.time_zone,
                   CASE WHEN m.n = 1 THEN 'sla_warning' ELSE 'sla_warning_digest' END AS template,
                   CASE WHEN m.n = 1
                        THEN jsonb_build_object('number', m.first_number, 'target', '{self.target}',
                                                'kind', '{self.kind}', 'due', m.first_due)
                        ELSE jsonb_build_object('target', '{self.target}', 'kind', '{self.kind}',
                                                'count', m.n, 'tickets', m.tickets)
                   END AS context,
                   CASE WHEN m.n = 1 THEN m.first_ticket_id END AS ticket_id,
                   CASE WHEN m.n = 1 THEN 'sla:' ELSE 'sla-digest:' END
                       || '{self.target}:{self.kind}:' || m.first_ticket_id || ':'
                       || floor(extract(epoch FROM m.first_due))::bigint AS dedupe_key
            FROM warning_mail m {staff_channels_sql()}
        ),
        outbox AS ({insert_sql(source="warning_owed")}),
        {raise_}
        emails AS (
            SELECT id FROM outbox WHERE channel = 'email' {escalation_emails}
        )
        SELECT (SELECT count(*) FROM picked),
               (SELECT count(*) FROM recorded),
               {raised_count},
               COALESCE((SELECT array_agg(id) FROM emails), '{{}}')
        """


def history_columns() -> list[str]:
    """The ticket columns pghistory copies into each history row (`tickets.models.HISTORY_FIELDS`)."""
    history = apps.get_model("tickets", "TicketHistory")
    return [
        connection.ops.quote_name(field.column)
        for field in history._meta.concrete_fields
        if not field.name.startswith("pgh_")
    ]


def skip_history_trigger() -> str:
    """SQL that makes pghistory's update trigger on tickets stand aside for the rest of the transaction.

    The trigger works per row: a PL/pgSQL call that upserts the pghistory context and inserts one row,
    ~0.7 ms a ticket on a large table, more than all the rest of a marking statement. The marking
    statements write the same rows themselves (their `history` CTE), one insert per batch. This is what
    `pgtrigger.ignore` does, which cannot wrap these statements (it prepends a positional parameter to
    statements that use named ones)."""
    ((model, trigger),) = pgtrigger.registered("tickets.Ticket:changed_update")
    return f"SELECT set_config('pgtrigger.ignore', '{{{trigger.get_pgid(model)}}}', true);\n"


# Who is warned: the assignee; a ticket nobody holds yet is its team's to hand out, so the warning goes
# to the team's supervisors, or to every member of a team that has none.
OWNERS_SQL = f"""
        team_leads AS (
            -- Active ones only: a team whose supervisors have all left falls back to its members.
            SELECT tm.team_id, tm.user_id FROM tickets_team_members tm
            JOIN auth_user lead ON lead.id = tm.user_id AND lead.is_active
            JOIN auth_user_groups ug ON ug.user_id = tm.user_id
            JOIN auth_group g ON g.id = ug.group_id AND g.name = '{Role.SUPERVISOR.value}'
        ),
        team_owners AS (
            SELECT team_id, user_id FROM team_leads
            UNION
            SELECT tm.team_id, tm.user_id FROM tickets_team_members tm
            WHERE NOT EXISTS (SELECT 1 FROM team_leads l WHERE l.team_id = tm.team_id)
        ),
        owners AS (
            -- A ticket of a mass incident warns nobody on its own: the incident's escalation tells.
            SELECT m.id AS ticket_id, m.number, m.due, m.assignee_id AS user_id
            FROM marked m JOIN recorded r ON r.ticket_id = m.id
            WHERE m.assignee_id IS NOT NULL AND m.incident_id IS NULL
            UNION
            SELECT m.id, m.number, m.due, o.user_id
            FROM marked m JOIN recorded r ON r.ticket_id = m.id
            JOIN team_owners o ON o.team_id = m.team_id
            WHERE m.assignee_id IS NULL AND m.incident_id IS NULL
        )"""


# Severity of a classification, for "the most severe" (unclassified counts as UNCLASSIFIED_AS).
def _severity(column: str) -> str:
    return (
        f"CASE COALESCE(NULLIF({column}, ''), '{UNCLASSIFIED_AS.value}') "
        f"WHEN '{Classification.CRITICAL.value}' THEN 3 WHEN '{Classification.MAJOR.value}' THEN 2 ELSE 1 END"
    )


def _classification_of(severity: str) -> str:
    return (
        f"CASE {severity} WHEN 3 THEN '{Classification.CRITICAL.value}' "
        f"WHEN 2 THEN '{Classification.MAJOR.value}' ELSE '{Classification.MINOR.value}' END"
    )


_KEPT_SEVERITY = (
    f"CASE WHEN i.breach_classification = '' THEN 0 ELSE {_severity('i.breach_classification')} END"
)
_MOST_SEVERE = _classification_of(f"GREATEST(b.severity, {_KEPT_SEVERITY})")
_BREACHED_SEVERITY = _severity("m.classification")

# A breach among a mass incident's tickets is the incident's: its first breach (when, of which target) and
# the most severe classification breached are kept on the incident, whose ladder escalation.sweep climbs.
INCIDENT_BREACHES_SQL = f"""
        incident_breaches AS (
            UPDATE tickets_incident i SET
                breached_at = LEAST(COALESCE(i.breached_at, b.due), b.due),
                breach_trigger = CASE WHEN i.breached_at IS NULL OR b.due < i.breached_at
                                      THEN %(trigger)s ELSE i.breach_trigger END,
                breach_classification = {_MOST_SEVERE}
            FROM (
                SELECT m.incident_id, min(m.due) AS due, max({_BREACHED_SEVERITY}) AS severity
                FROM marked m WHERE m.incident_id IS NOT NULL
                GROUP BY m.incident_id
            ) b
            WHERE i.id = b.incident_id AND i.resolved_at IS NULL
            RETURNING i.id
        )"""


# Breaches first: a ticket found past both its risk point and its deadline is simply breached.
STEPS: Sequence[Step] = (
    Step(
        "response",
        "breached",
        "response_sla",
        "first_response_due",
        "first_response_due",
        ("ok", "at_risk"),
        Trigger.RESPONSE_BREACH,
    ),
    Step(
        "resolution",
        "breached",
        "resolution_sla",
        "resolution_due",
        "resolution_due",
        ("ok", "at_risk"),
        Trigger.RESOLUTION_BREACH,
    ),
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


def _mark(*, now: dt.datetime, batch: int, result: SweepResult) -> None:
    """The marking steps, each in batches of `batch` tickets, one transaction per batch."""
    for step in STEPS:
        name = f"{step.target}_{step.kind}"
        sql = JIT_OFF + skip_history_trigger() + step.sql()
        trigger = step.trigger.value if step.trigger else None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, {"now": now, "batch": batch, "trigger": trigger})
                picked, recorded, raised, email_ids = cursor.fetchone()
                result.statements += 1
                send_after_commit(list(email_ids))
            result.marked[name] = result.marked.get(name, 0) + picked
            result.recorded[name] = result.recorded.get(name, 0) + recorded
            if step.trigger:
                key = step.trigger.value
                result.escalations[key] = result.escalations.get(key, 0) + raised
            result.email_ids += list(email_ids)
            if picked < batch:
                break


def run_sweep(*, now: dt.datetime, batch_size: int | None = None) -> SweepResult:
    """One pass of the watcher as of `now`. Each batch commits on its own, so a long sweep never holds
    many locks, and a crash loses nothing (the next sweep picks up where this one stopped)."""
    batch = batch_size or int(settings.HELPDESK["SWEEP_BATCH_SIZE"])
    result = SweepResult()
    with pghistory.context(via="sla_watcher"):
        _mark(now=now, batch=batch, result=result)
        for trigger in (Trigger.RESPONSE_BREACH, Trigger.RESOLUTION_BREACH):
            while True:
                with transaction.atomic():
                    outcome = escalate_breaches(trigger=trigger, now=now, batch_size=batch)
                    result.statements += 1
                    send_after_commit(outcome.email_ids)
                result.escalations[trigger.value] = result.escalations.get(trigger.value, 0) + outcome.raised
                result.email_ids += outcome.email_ids
                if outcome.considered < batch:
                    break
        with transaction.atomic():
            incident_outcome = escalate_incidents(now=now)
            result.statements += 1
            send_after_commit(incident_outcome.email_ids)
        result.escalations["incident"] = incident_outcome.raised
        result.email_ids += incident_outcome.email_ids
    if connection.in_atomic_block:
        # Called inside the caller's own transaction (a test, a command run in `atomic`): the batches were
        # savepoints, and the transaction-local setting that made the history trigger stand aside would
        # outlive the sweep. (Beat's task runs outside any transaction: each batch's commit ends it.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    log.info(
        "sla_sweep",
        marked=result.marked,
        recorded=result.total_recorded,
        escalations=result.escalations,
        statements=result.statements,
    )
    return result
