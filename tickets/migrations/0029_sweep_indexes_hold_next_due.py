# The SLA sweeps' four deadline indexes hold `next_due` after the deadline (tickets.models), so that the
# queue's "Breached today" finds the tickets whose other clock is due today from the index entries alone.
# Each is built CONCURRENTLY under a new name, the old one dropped CONCURRENTLY, and the new renamed to the
# old name: the sweeps have an index to read at every moment and no write lock is taken on the tickets
# (hence not atomic). Each is partial (the running clocks not paused).

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

SWEEP_INDEXES = (
    ("ticket_response_breach_due", "first_response_due", "response_sla", ["ok", "at_risk"]),
    ("ticket_response_escalate_due", "first_response_due", "response_sla", "breached"),
    ("ticket_resolution_breach_due", "resolution_due", "resolution_sla", ["ok", "at_risk"]),
    ("ticket_resolution_escalate_due", "resolution_due", "resolution_sla", "breached"),
)


def condition(column, states):
    lookup = f"{column}__in" if isinstance(states, list) else column
    return models.Q(("paused", False), (lookup, states))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0028_ticket_risk_windows"),
    ]

    operations = [
        operation
        for name, due, column, states in SWEEP_INDEXES
        for operation in (
            AddIndexConcurrently(
                model_name="ticket",
                index=models.Index(
                    condition=condition(column, states), fields=[due, "next_due"], name=f"{name}_new"
                ),
            ),
            RemoveIndexConcurrently(model_name="ticket", name=name),
            migrations.RenameIndex(model_name="ticket", new_name=name, old_name=f"{name}_new"),
        )
    ]
