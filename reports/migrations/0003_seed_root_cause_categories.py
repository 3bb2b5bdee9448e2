from django.db import migrations

CATEGORIES = [
    ("fiber_cut", "Fiber cut"),
    ("power_failure", "Power failure"),
    ("equipment_failure", "Equipment failure"),
    ("configuration_error", "Configuration error"),
    ("capacity_congestion", "Capacity / congestion"),
    ("third_party", "Third-party / upstream provider"),
    ("billing_system_error", "Billing system error"),
    ("data_entry_error", "Data entry error"),
    ("customer_premises", "Customer premises equipment"),
    ("weather_natural", "Weather / natural event"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    RootCauseCategory = apps.get_model("reports", "RootCauseCategory")
    for code, name in CATEGORIES:
        RootCauseCategory.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
