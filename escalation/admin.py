from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from escalation.models import Escalation, EscalationRule
from helpdesk.lib.durations import HoursMinutesField


class EscalationRuleForm(forms.ModelForm):
    """The delay typed in hours and minutes (stored in minutes)."""

    delay_minutes = HoursMinutesField(
        label=_("delay after the breach"),
        max_minutes=60 * 24 * 30,
        help_text=_("Hours and minutes after the breach; 0 escalates at the breach."),
    )

    class Meta:
        model = EscalationRule
        fields = ["classification", "trigger", "level", "delay_minutes", "is_active"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    form = EscalationRuleForm
    list_display = ["classification", "trigger", "level", "delay_minutes", "is_active"]
    list_filter = ["classification", "trigger", "level", "is_active"]
    list_editable = ["delay_minutes", "is_active"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "level", "reason", "raised_at", "acknowledged_at", "acknowledged_by"]
    list_filter = ["level", "reason"]
    raw_id_fields = ["ticket"]
    readonly_fields = [
        "ticket",
        "level",
        "reason",
        "raised_at",
        "raised_by",
        "notified",
        "acknowledged_at",
        "acknowledged_by",
    ]
