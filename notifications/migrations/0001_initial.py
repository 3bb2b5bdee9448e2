"""The outbox, moved from the escalation app: the model takes over the existing table (state only),
the table is renamed to this app's name, and each row learns the time zone its times are shown in."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import helpdesk.lib.zones


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("escalation", "0006_notification_to_notifications_app"),
        ("tickets", "0012_contact_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[("email", "Email"), ("inbox", "In-app inbox")],
                                max_length=8,
                                verbose_name="channel",
                            ),
                        ),
                        ("email", models.EmailField(blank=True, default="", max_length=254, verbose_name="email")),
                        ("language", models.CharField(default="id", max_length=8)),
                        ("template", models.CharField(max_length=64, verbose_name="template")),
                        ("context", models.JSONField(blank=True, default=dict)),
                        ("dedupe_key", models.CharField(blank=True, max_length=200, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True, default="")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                        (
                            "recipient",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "ticket",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="tickets.ticket",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "escalation_notification",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("sent_at", None)),
                                fields=["created_at"],
                                name="notification_unsent",
                            ),
                            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("dedupe_key",), name="notification_dedupe_key"),
                            models.CheckConstraint(
                                condition=models.Q(("recipient__isnull", False), models.Q(("email", ""), _negated=True), _connector="OR"),
                                name="notification_has_recipient",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AddField(
            model_name="notification",
            name="time_zone",
            field=models.CharField(
                default=helpdesk.lib.zones.head_office_zone_name, max_length=64, verbose_name="time zone"
            ),
        ),
    ]
