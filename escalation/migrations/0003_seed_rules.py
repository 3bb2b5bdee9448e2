"""Default time-based escalation rules (SPEC §7): every breach goes to the supervisor at once; if still
unresolved it climbs to the manager and the director, critical tickets fastest."""

from django.db import migrations

# classification: trigger: [(level, delay in minutes after the breach)]
RULES = {
    "minor": {"response_breach": [(1, 0), (2, 240)], "resolution_breach": [(1, 0), (2, 1440), (3, 4320)]},
    "major": {"response_breach": [(1, 0), (2, 120)], "resolution_breach": [(1, 0), (2, 240), (3, 1440)]},
    "critical": {
        "response_breach": [(1, 0), (2, 30), (3, 120)],
        "resolution_breach": [(1, 0), (2, 60), (3, 240)],
    },
}


def seed(apps, schema_editor):
    EscalationRule = apps.get_model("escalation", "EscalationRule")
    for classification, triggers in RULES.items():
        for trigger, steps in triggers.items():
            for level, delay in steps:
                EscalationRule.objects.get_or_create(
                    classification=classification,
                    trigger=trigger,
                    level=level,
                    defaults={"delay_minutes": delay},
                )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
