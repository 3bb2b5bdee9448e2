"""The one way a row gets into the outbox: `insert_sql`, a set-based `INSERT … SELECT` that every writer
uses — the SLA watcher's warnings, the escalation sweep, `notifications.services.notification_owe`
(which the desk's services call for one message at a time). What a writer owes is a *source*: a query
or CTE with the columns of `SOURCE_COLUMNS`; the builder adds the rest (creation time, the inbox born
read-ready, once per dedupe key).

Who a member of staff is on the page — the language and time zone their messages are written in — is
decided here too (`staff_language_sql`, `staff_time_zone_sql`), in SQL, so that a sweep that owes ten
thousand warnings and a service that owes one come out the same.

When one statement owes the same person several messages (a mass outage breaching hundreds of clocks
in a minute), `digest_sql` gathers them into one email and one inbox entry listing at most
`DIGEST_LIST` tickets; the queues have them all.

Every statement built here takes the named parameter `%(now)s`; nothing here reads input into the SQL
text (column names and templates are constants of the callers).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from notifications.models import NotificationChannel

TABLE = "notifications_notification"  # Notification._meta.db_table, written literally below

# What a source yields, in this order.
SOURCE_COLUMNS = (
    "channel",
    "recipient_id",
    "email",
    "language",
    "time_zone",
    "template",
    "context",
    "ticket_id",
    "dedupe_key",
)

# The most tickets one digest lists by number (the rest are counted).
DIGEST_LIST = 50

# The channels a worker sends (the inbox is written, not sent); WhatsApp and SMS go to `phone`.
SENT_CHANNELS = (
    NotificationChannel.EMAIL.value,
    NotificationChannel.WHATSAPP.value,
    NotificationChannel.SMS.value,
)
PHONE_CHANNELS = (NotificationChannel.WHATSAPP.value, NotificationChannel.SMS.value)

# Staff hear from the desk by email and in the console's inbox.
STAFF_CHANNELS = (NotificationChannel.EMAIL.value, NotificationChannel.INBOX.value)


def insert_sql(*, source: str, with_phone: bool = False) -> str:
    """`INSERT` of every row of `source` (an alias of a CTE or a parenthesised query with the columns of
    SOURCE_COLUMNS) that has somewhere to go, once per dedupe key (ON CONFLICT DO NOTHING: a retried or
    racing writer owes nothing twice). A source gives the key of the message; a message to a member of
    staff is owed once per person and channel, so the person and the channel are added to its key here.
    Inbox rows are sent the moment they are written: the inbox is the database. `with_phone`: the
    source has a `phone` column too (customers' WhatsApp and SMS). `RETURNING id, channel` of the rows
    actually written."""
    phone = "o.phone" if with_phone else "''"
    phones = ", ".join(f"'{channel}'" for channel in PHONE_CHANNELS)
    return f"""
        INSERT INTO notifications_notification
            (channel, recipient_id, email, phone, language, time_zone, template, context, ticket_id,
             dedupe_key, created_at, sent_at, attempts, last_error, delivery_status)
        SELECT o.channel, o.recipient_id,
               CASE WHEN o.channel = '{NotificationChannel.INBOX.value}' THEN '' ELSE o.email END,
               CASE WHEN o.channel IN ({phones}) THEN {phone} ELSE '' END,
               o.language, o.time_zone, o.template, o.context, o.ticket_id,
               CASE WHEN o.recipient_id IS NULL THEN o.dedupe_key
                    ELSE o.dedupe_key || ':' || o.recipient_id || ':' || o.channel END,
               %(now)s,
               CASE WHEN o.channel = '{NotificationChannel.INBOX.value}' THEN %(now)s END,
               0, '', ''
        FROM {source} o
        WHERE CASE WHEN o.channel = '{NotificationChannel.EMAIL.value}' THEN o.email <> ''
                   WHEN o.channel IN ({phones}) THEN {phone} <> ''
                   ELSE true END
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id, channel
    """


def staff_language_sql(user_id: str) -> str:
    """The language a member of staff (`user_id`: an SQL expression of their id) reads messages in."""
    del user_id  # every member of staff reads the floor's language until people choose their own
    return f"'{settings.HELPDESK['STAFF_LANGUAGE']}'"


def staff_time_zone_sql(user_id: str) -> str:
    """The zone a member of staff (`user_id`: an SQL expression of their id) reads times in."""
    del user_id
    return f"'{settings.DISPLAY_TIME_ZONE}'"


def staff_channels_sql(channels: Sequence[str] = STAFF_CHANNELS) -> str:
    """A join that repeats each row once per staff channel, as `ch.channel`."""
    allowed = {channel.value for channel in NotificationChannel}
    values = ", ".join(f"('{channel}')" for channel in channels if channel in allowed)
    return f"CROSS JOIN (VALUES {values}) AS ch(channel)"


def digest_sql(
    *,
    items: str,
    group: Sequence[str],
    first: Sequence[str],
    first_order: str,
    listed: str,
    listed_order: str,
) -> str:
    """A query gathering `items` (one row per ticket a person is owed a notice about) per `group`
    (columns of items, at least the recipient's). Each gathered row has the group's columns, `n` (how
    many), `first_<column>` for each of `first` (from the first item by `first_order`), and `tickets`,
    the JSON list of `listed` (a jsonb expression over an item `i`) for the first DIGEST_LIST items by
    `listed_order`."""
    group_list = ", ".join(f"i.{column}" for column in group)
    firsts = ",\n               ".join(
        f"(array_agg(i.{column} ORDER BY {first_order}))[1] AS first_{column}" for column in first
    )
    return f"""
        SELECT {group_list}, count(*) AS n,
               {firsts},
               to_jsonb((array_agg({listed} ORDER BY {listed_order}))[1:{DIGEST_LIST}]) AS tickets
        FROM {items} i
        GROUP BY {group_list}
    """
