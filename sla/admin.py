from django.contrib import admin

from sla.models import (
    BusinessCalendar,
    CalendarDay,
    PublicHoliday,
    SlaEvent,
    SlaPause,
    SlaPolicy,
    StageTarget,
    WorkingHours,
)


class ConfigAdmin(admin.ModelAdmin):
    """SLA configuration. Saving it invalidates what every process memoises by itself (sla.config)."""


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ConfigAdmin):
    list_display = [
        "name",
        "timezone",
        "region",
        "is_default",
        "use_national_holidays",
        "business_day_minutes",
    ]
    inlines = [WorkingHoursInline, CalendarDayInline]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(ConfigAdmin):
    list_display = ["date", "name", "category"]
    list_filter = ["category"]
    date_hierarchy = "date"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ConfigAdmin):
    list_display = [
        "classification",
        "tier",
        "response_amount",
        "response_unit",
        "response_clock",
        "resolution_amount",
        "resolution_unit",
        "resolution_clock",
    ]


@admin.register(StageTarget)
class StageTargetAdmin(ConfigAdmin):
    list_display = ["stage", "amount", "unit", "clock"]


@admin.register(SlaEvent)
class SlaEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "target", "kind", "due", "recorded_at"]
    list_filter = ["target", "kind"]
    raw_id_fields = ["ticket"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaPause)
class SlaPauseAdmin(SlaEventAdmin):
    list_display = ["ticket", "started_at", "ended_at"]
    list_filter = []
