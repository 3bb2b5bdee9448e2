"""Trigram indexes for the queue's search (customer name and description, matched with ILIKE/icontains).

pg_trgm is a contrib extension: every production PostgreSQL package ships it, but the embedded
PostgreSQL of the quick start (pgserver) does not. The indexes only speed the search up, so they are
created where the extension is available and skipped where it is not; the search works either way.
They index UPPER(col), the expression Django's icontains compares on PostgreSQL."""

from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX IF NOT EXISTS customer_name_upper_trgm
            ON tickets_customer USING gin (UPPER(name::text) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS ticket_description_upper_trgm
            ON tickets_ticket USING gin (UPPER(description::text) gin_trgm_ops);
    END IF;
END
$$;
"""

DROP = """
DROP INDEX IF EXISTS customer_name_upper_trgm;
DROP INDEX IF EXISTS ticket_description_upper_trgm;
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_history_clock_timestamp")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
