from django.contrib import admin

from escalation.models import Escalation, EscalationRule


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
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
