"""The search texts written before 0026 lose the customer's own email (tickets.models.SEARCH_TEXT_SQL).

Not atomic, in batches of tickets by id: each batch commits alone and locks only its own search rows,
so intake goes on while it runs. Timed once by hand on the pages bench's 1,000,000 tickets (397,345
texts rewritten; not a bench): 91 s in 50 batches, where one statement took 24 s but held every row it
rewrote, and its transaction, until the end. The triggers of 0026 already write by the new rule, so a
text written while this runs is right either way: both compute it from the ticket and its customer.

Then the trigram index is rebuilt, concurrently (writes go on): a GIN index keeps the space of the
entries a rewrite replaced, and its new entries wait in a pending list that every search reads through
until a vacuum. On the bench set, by hand: 101 MB before the change, 250 MB after three rewrites, 78 MB
rebuilt, in 35 s."""

from django.db import migrations

BATCH = 20_000

REWRITE = """
    UPDATE tickets_ticketsearch AS s
    SET text = concat_ws(' ', t.description, {email}, t.contact_phone)
    FROM tickets_ticket AS t JOIN tickets_customer AS c ON c.id = t.customer_id
    WHERE s.ticket_id = t.id AND s.ticket_id >= %s AND s.ticket_id < %s
        AND t.contact_email <> '' AND lower(t.contact_email) = lower(c.email)
"""


def rewrite(cursor, *, keep_email: bool) -> None:
    """Every text of a ticket given with its customer's own email, without it (or, backwards, with)."""
    sql = REWRITE.format(email="t.contact_email" if keep_email else "NULL")
    cursor.execute("SELECT coalesce(max(ticket_id), 0) FROM tickets_ticketsearch")
    (last,) = cursor.fetchone()
    for start in range(0, last + 1, BATCH):
        cursor.execute(sql, [start, start + BATCH])


def rebuild_index(cursor) -> None:
    """The trigram index rebuilt without the space and the pending entries the rewrite left (where
    pg_trgm exists: the quick start's embedded PostgreSQL has no such index). Outside a transaction."""
    cursor.execute("SELECT to_regclass('ticket_search_text_upper_trgm') IS NOT NULL")
    if cursor.fetchone()[0]:
        cursor.execute("REINDEX INDEX CONCURRENTLY ticket_search_text_upper_trgm")


def forwards(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        rewrite(cursor, keep_email=False)
        rebuild_index(cursor)


def backwards(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        rewrite(cursor, keep_email=True)
        rebuild_index(cursor)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0026_search_text_without_the_customers_email"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
