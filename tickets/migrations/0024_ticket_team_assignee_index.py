# Built CONCURRENTLY (no write lock on a table of a million tickets while the index is built), hence
# not atomic.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0023_api_filter_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(fields=["team", "assignee"], name="ticket_team_assignee"),
        ),
    ]
