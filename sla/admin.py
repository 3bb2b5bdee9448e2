from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.durations import HoursMinutesField, duration_label
from helpdesk.lib.zones import ZONE_CHOICES
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
from sla.selectors import policy_warnings


class ConfigAdmin(admin.ModelAdmin):
    """SLA configuration. Saving it invalidates what every process memoises by itself (sla.config)."""


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


class BusinessCalendarForm(forms.ModelForm):
    """The zone picked from a list (Indonesia's first); the business day typed in hours and minutes."""

    timezone = forms.ChoiceField(label=_("time zone"), choices=ZONE_CHOICES)
    business_day_minutes = HoursMinutesField(
        label=_("length of a business day"),
        min_minutes=1,
        max_minutes=24 * 60,
        help_text=_("Hours and minutes. “N business days” means N times this much working time."),
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "timezone", "region", "is_default", "use_national_holidays", "business_day_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.timezone if self.instance.pk else ""
        choices: list[tuple[str, Any]] = list(ZONE_CHOICES)
        if current and current not in dict(choices):
            choices.append((current, current))  # a zone set before the list existed stays choosable
        cast(forms.ChoiceField, self.fields["timezone"]).choices = choices


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ConfigAdmin):
    form = BusinessCalendarForm
    list_display = [
        "name",
        "timezone",
        "region",
        "is_default",
        "use_national_holidays",
        "business_day",
    ]
    inlines = [WorkingHoursInline, CalendarDayInline]

    @admin.display(description=_("length of a business day"), ordering="business_day_minutes")
    def business_day(self, calendar: BusinessCalendar) -> str:
        return duration_label(calendar.business_day_minutes)


@admin.register(PublicHoliday)
class PublicHolidayAdmin(ConfigAdmin):
    list_display = ["date", "name", "category"]
    list_filter = ["category"]
    date_hierarchy = "date"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ConfigAdmin):
    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        """Saved as typed (the operator decides), with a warning for each target that looks wrong."""
        super().save_model(request, obj, form, change)
        for warning in policy_warnings(
            response_amount=obj.response_amount,
            response_unit=obj.response_unit,
            resolution_amount=obj.resolution_amount,
            resolution_unit=obj.resolution_unit,
        ):
            self.message_user(request, f"{obj}: {warning}", level=messages.WARNING)

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
