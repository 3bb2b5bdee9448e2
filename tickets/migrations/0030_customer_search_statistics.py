"""A finer histogram of the customers' names and emails as their trigram indexes see them, so that the
planner's estimate of a name search is near the truth.

With the default statistics (a histogram of 100 values of UPPER(name)), one name of the 2,000 the bench's
100,000 customers share matched one value in a hundred and was reckoned 1 % of the customers (978 rows,
for 56): PostgreSQL read every customer for the queue's name search and joined every customer for the
look-up (statements of 43 and 17 ms at 1,000,000 tickets; 10 and 3.6 ms with 1,000 values, in EXPLAIN
ANALYZE by hand; bench/README.md). Only where the indexes exist (migrations 0005 and later: pg_trgm
is not everywhere); the statistics are gathered again at once."""

from django.db import migrations

INDEXES = ("customer_name_upper_trgm", "customer_email_upper_trgm")


def statistics(target: int) -> str:
    alters = "\n".join(
        f"    IF to_regclass('{index}') IS NOT NULL THEN\n"
        f"        ALTER INDEX {index} ALTER COLUMN 1 SET STATISTICS {target};\n"
        "    END IF;"
        for index in INDEXES
    )
    return f"DO $$\nBEGIN\n{alters}\nEND\n$$;\nANALYZE tickets_customer;"


class Migration(migrations.Migration):
    dependencies = [("tickets", "0029_sweep_indexes_hold_next_due")]

    operations = [migrations.RunSQL(statistics(1000), reverse_sql=statistics(-1))]
