"""Time-based escalation (SPEC §7), run by the SLA watcher after it has marked breaches.

One SQL statement per trigger and batch: it finds breached tickets whose rule's delay has passed,
inserts the escalations (`ON CONFLICT DO NOTHING` on the unique ticket/level/reason constraint, so two
watchers racing record each escalation once), raises the tickets' level, records who was notified and
writes their notifications into the outbox — all for exactly the rows this statement inserted, so a
losing racer notifies nobody. No Python loop over tickets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from escalation.models import Level, Trigger
from helpdesk.lib.roles import Role

# The clock each trigger follows: its state column and deadline column on tickets_ticket.
TRIGGER_COLUMNS = {
    Trigger.RESPONSE_BREACH: ("response_sla", "first_response_due"),
    Trigger.RESOLUTION_BREACH: ("resolution_sla", "resolution_due"),
}

LEVEL_GROUP_SQL = (
    f"CASE r.level WHEN {Level.SUPERVISOR.value} THEN '{Role.SUPERVISOR.value}' "
    f"WHEN {Level.MANAGER.value} THEN '{Role.MANAGER.value}' ELSE '{Role.DIRECTOR.value}' END"
)


@dataclass(frozen=True)
class EscalationBatch:
    considered: int
    raised: int
    email_ids: list[int]


def _statement(state_column: str, due_column: str) -> str:
    # Column names come from TRIGGER_COLUMNS (constants), never from input.
    return f"""
    WITH picked AS (
        SELECT t.id, t.number, r.level, t.{due_column} AS due
        FROM tickets_ticket t
        JOIN escalation_escalationrule r
          ON r.is_active
         AND r.trigger = %(trigger)s
         AND r.classification = COALESCE(NULLIF(t.classification, ''), 'minor')
        WHERE t.{state_column} = 'breached'
          AND NOT t.paused
          AND t.{due_column} + make_interval(mins => r.delay_minutes) <= %(now)s
          AND NOT EXISTS (
              SELECT 1 FROM escalation_escalation e
              WHERE e.ticket_id = t.id AND e.level = r.level AND e.reason = %(trigger)s
          )
        ORDER BY t.{due_column}, t.id, r.level
        LIMIT %(batch)s
    ),
    raised AS (
        INSERT INTO escalation_escalation (ticket_id, level, reason, note, raised_at)
        SELECT id, level, %(trigger)s, '', %(now)s FROM picked
        ON CONFLICT (ticket_id, level, reason) DO NOTHING
        RETURNING id, ticket_id, level
    ),
    bumped AS (
        UPDATE tickets_ticket t SET escalation_level = m.level
        FROM (SELECT ticket_id, max(level) AS level FROM raised GROUP BY ticket_id) m
        WHERE t.id = m.ticket_id AND t.escalation_level < m.level
        RETURNING t.id
    ),
    recipients AS (
        SELECT r.id AS escalation_id, r.ticket_id, r.level, p.number, u.id AS user_id, u.email
        FROM raised r
        JOIN picked p ON p.id = r.ticket_id AND p.level = r.level
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
    outbox AS (
        INSERT INTO escalation_notification
            (channel, recipient_id, email, language, template, context, ticket_id, dedupe_key,
             created_at, sent_at, attempts, last_error)
        SELECT ch.channel, rc.user_id,
               CASE WHEN ch.channel = 'email' THEN rc.email ELSE '' END,
               'id', 'escalation_raised',
               jsonb_build_object('number', rc.number, 'level', rc.level, 'reason', %(trigger)s,
                                  'note', '', 'escalation_id', rc.escalation_id),
               rc.ticket_id,
               'escalation:' || rc.escalation_id || ':' || rc.user_id || ':' || ch.channel,
               %(now)s,
               CASE WHEN ch.channel = 'inbox' THEN %(now)s END,
               0, ''
        FROM recipients rc
        CROSS JOIN (VALUES ('email'), ('inbox')) AS ch(channel)
        WHERE ch.channel = 'inbox' OR rc.email <> ''
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id, channel
    )
    SELECT (SELECT count(*) FROM picked),
           (SELECT count(*) FROM raised),
           (SELECT count(*) FROM bumped),
           (SELECT count(*) FROM notified),
           COALESCE((SELECT array_agg(id) FROM outbox WHERE channel = 'email'), '{{}}')
    """


def escalate_breaches(*, trigger: Trigger, now: dt.datetime, batch_size: int) -> EscalationBatch:
    """One batch of time-based escalations for one trigger. Call inside a transaction."""
    state_column, due_column = TRIGGER_COLUMNS[trigger]
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(state_column, due_column),
            {"trigger": trigger.value, "now": now, "batch": batch_size},
        )
        considered, raised, _bumped, _notified, email_ids = cursor.fetchone()
    return EscalationBatch(considered=considered, raised=raised, email_ids=list(email_ids))
