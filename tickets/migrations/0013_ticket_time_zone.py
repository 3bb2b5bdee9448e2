"""Each ticket keeps the zone it lives in (its service's region, else its customer's, else Jakarta), so
that every message and page shows its deadlines in that zone without deciding it again."""

from django.db import migrations, models

import helpdesk.lib.zones
import sla.config


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0012_contact_search_indexes'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='region',
            managers=[
                ('objects', sla.config.ConfigManager()),
            ],
        ),
        migrations.AddField(
            model_name='ticket',
            name='time_zone',
            field=models.CharField(
                default=helpdesk.lib.zones.head_office_zone_name, max_length=64, verbose_name='time zone'
            ),
        ),
        # Existing tickets: the same decision as sla.selectors.time_zone_of (customer's region, then the
        # service's, which wins). The column
        # is not in the history (not a tracked field), so pghistory's trigger writes nothing for it.
        migrations.RunSQL(
            sql="""
                UPDATE tickets_ticket t
                SET time_zone = r.timezone
                FROM tickets_customer c
                JOIN tickets_region r ON r.id = c.region_id
                WHERE t.service_id IS NULL AND c.id = t.customer_id AND r.timezone <> t.time_zone
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            sql="""
                UPDATE tickets_ticket t
                SET time_zone = r.timezone
                FROM tickets_service s
                JOIN tickets_region r ON r.id = s.region_id
                WHERE s.id = t.service_id AND r.timezone <> t.time_zone
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
