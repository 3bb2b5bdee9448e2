"""Indexes for the rest of the queue's search (`tickets.selectors.ticket_search_q`), so that every branch
of its union is answered from an index: customers' email (infix) and phone (the last nine digits) by
trigrams where pg_trgm exists, as their names already are (0005), and services' reference by a
case-insensitive prefix. Customers and services are written rarely; these cost nothing on tickets."""

from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS customer_email_upper_trgm
            ON tickets_customer USING gin (UPPER(email::text) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS customer_phone_trgm
            ON tickets_customer USING gin ((phone::text) gin_trgm_ops);
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS service_reference_upper_prefix
    ON tickets_service (UPPER(reference::text) text_pattern_ops);
"""

DROP = """
DROP INDEX IF EXISTS customer_email_upper_trgm;
DROP INDEX IF EXISTS customer_phone_trgm;
DROP INDEX IF EXISTS service_reference_upper_prefix;
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_inbound_email")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
