# The at-risk condition's indexes (tickets.models, "At risk"): the running clocks' windows from risk to
# deadline in GiST, and the clocks the SLA watcher has marked at risk. Built CONCURRENTLY (no write lock on
# a table of a million tickets while they are built), hence not atomic; each is partial and small (the
# open tickets' running clocks: 31,000 rows of the bench's 1,000,000, built in under a second).

import django.contrib.postgres.fields.ranges
import django.contrib.postgres.indexes
import django.db.models.functions.comparison
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


def window(start, end):
    return models.Func(
        django.db.models.functions.comparison.Least(models.F(start), models.F(end)),
        models.F(end),
        function="tstzrange",
        output_field=django.contrib.postgres.fields.ranges.DateTimeRangeField(),
    )


def running_not_breached(column):
    return models.Q(
        ("paused", False),
        (f"{column}__in", ["ok", "at_risk", "breached"]),
        models.Q(("stage", "closed"), _negated=True),
        models.Q((column, "breached"), _negated=True),
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0027_rewrite_search_texts"),
    ]

    operations = [
        operation
        for risk, due, column in (
            ("first_response_risk_at", "first_response_due", "response_sla"),
            ("resolution_risk_at", "resolution_due", "resolution_sla"),
        )
        for operation in (
            AddIndexConcurrently(
                model_name="ticket",
                index=django.contrib.postgres.indexes.GistIndex(
                    window(risk, due),
                    condition=running_not_breached(column),
                    name=f"ticket_{column.removesuffix('_sla')}_risk_window",
                ),
            ),
            AddIndexConcurrently(
                model_name="ticket",
                index=models.Index(
                    condition=models.Q((column, "at_risk"), models.Q(("stage", "closed"), _negated=True)),
                    fields=[due],
                    name=f"ticket_{column.removesuffix('_sla')}_at_risk",
                ),
            ),
        )
    ]
