# Built CONCURRENTLY (no write lock on a table of a million tickets while the index is built), hence
# not atomic.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0024_ticket_team_assignee_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), models.Q(("stage", "closed"), _negated=True)),
                fields=["next_due", "id"],
                name="ticket_unassigned_next_due",
            ),
        ),
    ]
