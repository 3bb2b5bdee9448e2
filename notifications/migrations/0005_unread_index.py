# Built CONCURRENTLY (no write lock on the notifications, millions of rows, while the index is built),
# hence not atomic.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0004_channel_columns_db_defaults"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["recipient", "channel"],
                name="notification_unread",
            ),
        ),
    ]
