"""SPEC §6 defaults: a business calendar per region (Mon–Fri 08:00–17:00 in the region's zone) plus a
default one for Jakarta, Indonesia's holidays and cuti bersama for the years around now, the SLA policies
of the SOP for both customer tiers, and the stage targets of SPEC §5."""

import datetime as dt

import holidays
from django.db import migrations

# The SOP's words: hours and minutes run 24×7 (the contact centre never closes); business days
# ("hari kerja") run on the business calendar.
POLICIES = {
    # tier: classification: (response amount, unit, resolution amount, unit)
    "regular": {
        "minor": (2, "hours", 1, "business_days"),
        "major": (1, "hours", 2, "business_days"),
        "critical": (30, "minutes", 8, "hours"),
    },
    # High-value customers get stricter targets (SPEC §6: tiers may have stricter policies).
    "high_value": {
        "minor": (1, "hours", 1, "business_days"),
        "major": (30, "minutes", 1, "business_days"),
        "critical": (15, "minutes", 4, "hours"),
    },
}
STAGE_TARGETS = [
    ("received", 1, "hours"),
    ("verified", 2, "hours"),
    ("dispatched", 4, "hours"),
    ("resolved", 3, "business_days"),
    ("confirmed", 24, "hours"),
]
HOLIDAY_YEARS = range(2024, 2031)


def clock_for(unit):
    return "business" if unit == "business_days" else "24x7"


def seed(apps, schema_editor):
    Region = apps.get_model("tickets", "Region")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    WorkingHours = apps.get_model("sla", "WorkingHours")
    PublicHoliday = apps.get_model("sla", "PublicHoliday")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    StageTarget = apps.get_model("sla", "StageTarget")

    def calendar(name, tz, region=None, is_default=False):
        cal, created = BusinessCalendar.objects.get_or_create(
            name=name, defaults={"timezone": tz, "region": region, "is_default": is_default}
        )
        if created:
            WorkingHours.objects.bulk_create(
                WorkingHours(calendar=cal, weekday=day, start=dt.time(8), end=dt.time(17)) for day in range(5)
            )

    calendar("Default (Asia/Jakarta)", "Asia/Jakarta", is_default=True)
    for region in Region.objects.all():
        calendar(f"{region.name} ({region.timezone})", region.timezone, region=region)

    for category in ("public", "government"):
        days = holidays.country_holidays("ID", years=HOLIDAY_YEARS, categories=(category,))
        for day, name in sorted(days.items()):
            for single in name.split("; "):
                PublicHoliday.objects.get_or_create(date=day, name=single, defaults={"category": category})

    for tier, rows in POLICIES.items():
        for classification, (r_amount, r_unit, s_amount, s_unit) in rows.items():
            SlaPolicy.objects.get_or_create(
                classification=classification,
                tier=tier,
                defaults={
                    "response_amount": r_amount,
                    "response_unit": r_unit,
                    "response_clock": clock_for(r_unit),
                    "resolution_amount": s_amount,
                    "resolution_unit": s_unit,
                    "resolution_clock": clock_for(s_unit),
                },
            )
    for stage, amount, unit in STAGE_TARGETS:
        StageTarget.objects.get_or_create(
            stage=stage, defaults={"amount": amount, "unit": unit, "clock": clock_for(unit)}
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_initial"), ("tickets", "0002_seed_reference_data")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
