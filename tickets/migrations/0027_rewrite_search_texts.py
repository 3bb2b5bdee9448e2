"""The search texts written before 0026 lose the customer's own email (tickets.models.SEARCH_TEXT_SQL).

Not atomic, in batches of tickets by id: each batch commits alone and locks only its own search rows,
so intake goes on while it runs. At 1,000,000 tickets (397,345 texts rewritten) it took 91 s in 50
batches; one statement took 24 s, but held every row it rewrote, and its transaction, until the end.
The triggers of 0026 already write by the new rule, so a text written while this runs is right either
way: both compute it from the ticket and its customer."""

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
    # The trigram index took the new entries into its pending list, which every search reads through
    # until a vacuum moves them into the index (at 10,000 tickets, 1,485 of them made a search 5x slower).
    cursor.execute("SELECT to_regclass('ticket_search_text_upper_trgm') IS NOT NULL")
    if cursor.fetchone()[0]:
        cursor.execute("SELECT gin_clean_pending_list('ticket_search_text_upper_trgm')")


def forwards(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        rewrite(cursor, keep_email=False)


def backwards(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        rewrite(cursor, keep_email=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0026_search_text_without_the_customers_email"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
