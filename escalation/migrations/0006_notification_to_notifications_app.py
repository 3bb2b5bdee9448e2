"""The notification outbox moves to its own app (`notifications`). Only Django's state changes here:
the table stays and is renamed by `notifications.0001_initial`, rows and all."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0005_notified_through_model"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
