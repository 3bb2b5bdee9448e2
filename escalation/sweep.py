"""Time-based escalation (SPEC §7), run by the SLA watcher.

The escalation SQL is built from one set of CTEs (`escalation_ctes`) used in two places:

- the SLA watcher's breach statement (`sla.sweep`) raises, in the same statement that marks a clock
  breached, every level whose delay has already passed (level 1 at the breach with the seeded rules), so
  a breached ticket is updated once, with its new state and its new level together;
- `escalate_breaches` raises the later levels of tickets breached earlier, one statement per trigger and
  batch.

Escalations are inserted `ON CONFLICT DO NOTHING` on the unique ticket/level/reason constraint, so two
watchers racing record each escalation once; who was notified and their notifications are written for
exactly the rows this statement inserted, so a losing racer notifies nobody. No Python loop over tickets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from escalation.models import Level, Trigger
from helpdesk.lib.roles import Role
from helpdesk.lib.vocabulary import UNCLASSIFIED_AS
from notifications.outbox import (
    digest_sql,
    insert_sql,
    staff_channels_sql,
    staff_language_sql,
    staff_time_zone_sql,
)

# The clock each trigger follows: its state column and deadline column on tickets_ticket.
TRIGGER_COLUMNS = {
    Trigger.RESPONSE_BREACH: ("response_sla", "first_response_due"),
    Trigger.RESOLUTION_BREACH: ("resolution_sla", "resolution_due"),
}

LEVEL_GROUP_SQL = (
    f"CASE r.level WHEN {Level.SUPERVISOR.value} THEN '{Role.SUPERVISOR.value}' "
    f"WHEN {Level.MANAGER.value} THEN '{Role.MANAGER.value}' ELSE '{Role.DIRECTOR.value}' END"
)


# Notifications are gathered per person and statement (notifications.outbox.digest_sql): a statement
# that escalates many tickets (a mass outage breaching hundreds of clocks in one minute) owes each person
# one email and one inbox entry listing them instead of one per ticket; a statement with one ticket for a
# person owes the ordinary notification. Racing statements each gather only the rows they inserted, and a
# digest's dedupe key names its first escalation, so every escalation reaches each person once.


def rules_due_sql(*, ticket: str, due_column: str) -> str:
    """Join condition and filter for the active rules of `%(trigger)s` whose delay after `ticket`'s
    deadline has passed at `%(now)s` (`ticket` is the alias of a tickets_ticket row; rules are `r`)."""
    return f"""
    JOIN escalation_escalationrule r
      ON r.is_active
     AND r.trigger = %(trigger)s
     AND r.classification = COALESCE(NULLIF({ticket}.classification, ''), '{UNCLASSIFIED_AS.value}')
    WHERE {ticket}.{due_column} + make_interval(mins => r.delay_minutes) <= %(now)s
    """


def escalation_ctes(*, source: str) -> str:
    """CTEs `raised`, `recipients`, `notified` and, through `escalation_outbox`, the notifications
    (gathered per person) that raise the escalations listed by the CTE `source` (columns ticket_id,
    level) for `%(trigger)s` at `%(now)s`. Each level goes to the active members of its role's group."""
    digest = digest_sql(
        items="escalation_items",
        group=("user_id", "email", "language", "time_zone", "level"),
        first=("escalation_id", "ticket_id", "number"),
        first_order="i.escalation_id",
        listed="jsonb_build_object('number', i.number)",
        listed_order="i.number",
    )
    return f"""
    raised AS (
        INSERT INTO escalation_escalation (ticket_id, level, reason, note, raised_at)
        SELECT ticket_id, level, %(trigger)s, '', %(now)s FROM {source}
        ON CONFLICT (ticket_id, level, reason) DO NOTHING
        RETURNING id, ticket_id, level
    ),
    recipients AS (
        -- The ticket number comes from the table by primary key, not from a CTE: the planner cannot
        -- estimate CTE sizes and would scan one CTE once per row of the other.
        SELECT r.id AS escalation_id, r.ticket_id, r.level, t.number, u.id AS user_id, u.email
        FROM raised r
        JOIN tickets_ticket t ON t.id = r.ticket_id
        JOIN auth_group g ON g.name = {LEVEL_GROUP_SQL}
        JOIN auth_user_groups ug ON ug.group_id = g.id
        JOIN auth_user u ON u.id = ug.user_id AND u.is_active
    ),
    notified AS (
        INSERT INTO escalation_escalation_notified (escalation_id, user_id)
        SELECT escalation_id, user_id FROM recipients
        ON CONFLICT DO NOTHING
        RETURNING 1
    ),
    escalation_items AS (
        SELECT rc.user_id, rc.email, {staff_language_sql("rc.user_id")} AS language,
               {staff_time_zone_sql("rc.user_id")} AS time_zone,
               rc.level, rc.escalation_id, rc.ticket_id, rc.number
        FROM recipients rc
    ),
    escalation_mail AS (
        -- What each person is owed for this statement's escalations (notifications.outbox.digest_sql).
        {digest}
    ),
    escalation_owed AS (
        SELECT ch.channel, m.user_id AS recipient_id, m.email, m.language, m.time_zone,
               CASE WHEN m.n = 1 THEN 'escalation_raised' ELSE 'escalation_digest' END AS template,
               CASE WHEN m.n = 1
                    THEN jsonb_build_object('number', m.first_number, 'level', m.level, 'reason', %(trigger)s,
                                            'note', '', 'escalation_id', m.first_escalation_id)
                    ELSE jsonb_build_object('level', m.level, 'reason', %(trigger)s, 'count', m.n,
                                            'tickets', m.tickets)
               END AS context,
               CASE WHEN m.n = 1 THEN m.first_ticket_id END AS ticket_id,
               CASE WHEN m.n = 1 THEN 'escalation:' ELSE 'escalation-digest:' END
                   || m.first_escalation_id AS dedupe_key
        FROM escalation_mail m {staff_channels_sql()}
    ),
    escalation_outbox AS ({insert_sql(source="escalation_owed")})
    """


@dataclass(frozen=True)
class EscalationBatch:
    considered: int
    raised: int
    email_ids: list[int]


def _statement(state_column: str, due_column: str) -> str:
    # Column names come from TRIGGER_COLUMNS (constants), never from input.
    return f"""
    WITH picked AS (
        SELECT t.id AS ticket_id, r.level
        FROM tickets_ticket t
        {rules_due_sql(ticket="t", due_column=due_column)}
          AND t.{state_column} = 'breached'
          AND NOT t.paused
          AND t.incident_id IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM escalation_escalation e
              WHERE e.ticket_id = t.id AND e.level = r.level AND e.reason = %(trigger)s
          )
        ORDER BY t.{due_column}, t.id, r.level
        LIMIT %(batch)s
    ),
    {escalation_ctes(source="picked")},
    bumped AS (
        UPDATE tickets_ticket t SET escalation_level = m.level
        FROM (SELECT ticket_id, max(level) AS level FROM raised GROUP BY ticket_id) m
        WHERE t.id = m.ticket_id AND t.escalation_level < m.level
        RETURNING t.id
    )
    SELECT (SELECT count(*) FROM picked),
           (SELECT count(*) FROM raised),
           (SELECT count(*) FROM bumped),
           (SELECT count(*) FROM notified),
           COALESCE((SELECT array_agg(id) FROM escalation_outbox WHERE channel = 'email'), '{{}}')
    """


# The sweep's statements are short OLTP work on a few thousand rows at most, but their estimated cost on a
# large table passes `jit_above_cost`, and compiling them took ~0.2 s on a sweep with nothing to do.
# SET LOCAL: only for the statement's own transaction, sent in the same round trip.
JIT_OFF = "SET LOCAL jit = off;\n"


def escalate_breaches(*, trigger: Trigger, now: dt.datetime, batch_size: int) -> EscalationBatch:
    """One batch of time-based escalations for one trigger. Call inside a transaction."""
    state_column, due_column = TRIGGER_COLUMNS[trigger]
    with connection.cursor() as cursor:
        cursor.execute(
            JIT_OFF + _statement(state_column, due_column),
            {"trigger": trigger.value, "now": now, "batch": batch_size},
        )
        considered, raised, _bumped, _notified, email_ids = cursor.fetchone()
    return EscalationBatch(considered=considered, raised=raised, email_ids=list(email_ids))


# The ladder of a mass incident (SPEC §10): its tickets escalate once, as the incident. The first breach
# among them (kept on the incident by the SLA watcher's breach statements) starts the incident's clock, the
# rules of the most severe classification breached give the delays, and each level is raised once per
# incident (a partial unique constraint), telling its people how many complaints the incident holds.
def _incident_statement() -> str:
    return f"""
WITH picked AS (
    SELECT i.id AS incident_id, r.level, i.breach_trigger AS reason
    FROM tickets_incident i
    JOIN escalation_escalationrule r
      ON r.is_active
     AND r.trigger = i.breach_trigger
     AND r.classification = COALESCE(NULLIF(i.breach_classification, ''), '{UNCLASSIFIED_AS.value}')
    WHERE i.resolved_at IS NULL
      AND i.breached_at IS NOT NULL
      AND i.breached_at + make_interval(mins => r.delay_minutes) <= %(now)s
      AND NOT EXISTS (
          SELECT 1 FROM escalation_escalation e WHERE e.incident_id = i.id AND e.level = r.level
      )
),
raised AS (
    INSERT INTO escalation_escalation (incident_id, level, reason, note, raised_at)
    SELECT incident_id, level, reason, '', %(now)s FROM picked
    ON CONFLICT (incident_id, level) WHERE incident_id IS NOT NULL DO NOTHING
    RETURNING id, incident_id, level, reason
),
bumped AS (
    UPDATE tickets_incident i SET escalation_level = m.level
    FROM (SELECT incident_id, max(level) AS level FROM raised GROUP BY incident_id) m
    WHERE i.id = m.incident_id AND i.escalation_level < m.level
    RETURNING i.id
),
held AS (
    SELECT t.incident_id, count(*) AS tickets FROM tickets_ticket t
    WHERE t.incident_id IN (SELECT incident_id FROM raised)
    GROUP BY t.incident_id
),
recipients AS (
    SELECT r.id AS escalation_id, r.incident_id, r.level, r.reason, i.title,
           COALESCE(h.tickets, 0) AS tickets, u.id AS user_id, u.email
    FROM raised r
    JOIN tickets_incident i ON i.id = r.incident_id
    LEFT JOIN held h ON h.incident_id = r.incident_id
    JOIN auth_group g ON g.name = {LEVEL_GROUP_SQL}
    JOIN auth_user_groups ug ON ug.group_id = g.id
    JOIN auth_user u ON u.id = ug.user_id AND u.is_active
),
notified AS (
    INSERT INTO escalation_escalation_notified (escalation_id, user_id)
    SELECT escalation_id, user_id FROM recipients
    ON CONFLICT DO NOTHING
    RETURNING 1
),
owed AS (
    SELECT ch.channel, rc.user_id AS recipient_id, rc.email,
           {staff_language_sql("rc.user_id")} AS language, {staff_time_zone_sql("rc.user_id")} AS time_zone,
           'incident_escalation'::text AS template,
           jsonb_build_object('incident_id', rc.incident_id, 'title', rc.title, 'level', rc.level,
                              'reason', rc.reason, 'count', rc.tickets, 'escalation_id', rc.escalation_id)
               AS context,
           NULL::bigint AS ticket_id,
           'incident-escalation:' || rc.escalation_id AS dedupe_key
    FROM recipients rc {staff_channels_sql()}
),
outbox AS ({insert_sql(source="owed")})
SELECT (SELECT count(*) FROM raised),
       COALESCE((SELECT array_agg(id) FROM outbox WHERE channel = 'email'), '{{}}')
"""


def escalate_incidents(*, now: dt.datetime) -> EscalationBatch:
    """Raise every level now due of every open incident whose tickets have breached. Call inside a
    transaction. Open incidents are a handful of rows: one statement, no batches."""
    with connection.cursor() as cursor:
        cursor.execute(JIT_OFF + _incident_statement(), {"now": now})
        raised, email_ids = cursor.fetchone()
    return EscalationBatch(considered=raised, raised=raised, email_ids=list(email_ids))
