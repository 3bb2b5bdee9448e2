"""Reference data every installation starts with: regions in all three Indonesian time zones, the four
departments of the SOP with the category routing, and one group per role (SPEC §1)."""

from django.db import migrations

REGIONS = [
    ("jkt", "Jakarta", "Asia/Jakarta"),
    ("bdg", "Bandung", "Asia/Jakarta"),
    ("sby", "Surabaya", "Asia/Jakarta"),
    ("mdn", "Medan", "Asia/Jakarta"),
    ("dps", "Denpasar (Bali)", "Asia/Makassar"),
    ("mks", "Makassar", "Asia/Makassar"),
    ("bpn", "Balikpapan", "Asia/Makassar"),
    ("amb", "Ambon", "Asia/Jayapura"),
    ("jyp", "Jayapura", "Asia/Jayapura"),
]
TEAMS = ["Customer Care", "Network Operation", "Billing & Account", "Customer Experience"]
ROUTES = {
    "network": "Network Operation",
    "billing": "Billing & Account",
    "account": "Billing & Account",
    "service": "Network Operation",
}
ROLES = ["agent", "support", "supervisor", "technician", "manager", "director", "analyst"]


def seed(apps, schema_editor):
    Region = apps.get_model("tickets", "Region")
    Team = apps.get_model("tickets", "Team")
    CategoryRoute = apps.get_model("tickets", "CategoryRoute")
    Group = apps.get_model("auth", "Group")
    for code, name, tz in REGIONS:
        Region.objects.get_or_create(code=code, defaults={"name": name, "timezone": tz})
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
    for category, team in ROUTES.items():
        CategoryRoute.objects.get_or_create(category=category, defaults={"team": teams[team]})
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
