"""Ticket numbers become keyed, with a Damm check character (helpdesk.lib.ticket_numbers). The numbers
already issued are printed on customers' emails, so they are not rewritten: they keep validating by
their Luhn character because they came from sequence values below LEGACY_LIMIT, which is how
`normalise` tells them apart. This migration writes nothing; it verifies that premise once, at the
change, and refuses to go on if it does not hold (the numbers above the limit would stop validating).
"""

from django.db import migrations

# helpdesk.lib.ticket_numbers.LEGACY_LIMIT when this migration was written (a migration does not follow
# later edits of the code; the limit is never to change anyway).
LEGACY_LIMIT = 2**24


def check_legacy_range(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM ticket_number_seq")
        (last_value,) = cursor.fetchone()
    if last_value >= LEGACY_LIMIT:
        raise RuntimeError(
            f"ticket_number_seq is at {last_value}: numbers were issued from sequence values at or above "
            f"{LEGACY_LIMIT}, which helpdesk.lib.ticket_numbers.normalise would no longer accept. Raise "
            "LEGACY_LIMIT there (and here) above that value before migrating."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0014_incidents'),
    ]

    operations = [
        migrations.RunPython(check_legacy_range, migrations.RunPython.noop, elidable=True),
    ]
