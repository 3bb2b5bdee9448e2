from django.contrib import admin

from reports.models import (
    CapaAction,
    CapaReport,
    MonthlyReport,
    RootCauseAnalysis,
    RootCauseCategory,
    SatisfactionRating,
    SurveyCampaign,
    SurveyInvitation,
)


@admin.register(RootCauseCategory)
class RootCauseCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_editable = ["is_active"]


@admin.register(RootCauseAnalysis)
class RootCauseAnalysisAdmin(admin.ModelAdmin):
    list_display = ["id", "problem_statement", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["problem_statement"]


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    list_display = ["ticket", "csat", "nps", "via", "created_at"]
    raw_id_fields = ["ticket"]


class CapaActionInline(admin.TabularInline):
    model = CapaAction
    extra = 0
    fields = ["kind", "description", "owner", "due_date", "status", "verified", "verified_by", "verified_at"]
    # Verification is a recorded fact (who, when, what was checked): made through the service, not here.
    readonly_fields = ["verified", "verified_by", "verified_at"]
    raw_id_fields = ["owner"]


@admin.register(CapaReport)
class CapaReportAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "rca", "author", "created_at"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["rca", "author"]
    inlines = [CapaActionInline]


@admin.register(CapaAction)
class CapaActionAdmin(admin.ModelAdmin):
    list_display = ["id", "report", "kind", "owner", "due_date", "status", "verified"]
    list_filter = ["kind", "status", "verified"]
    search_fields = ["description", "report__title"]
    raw_id_fields = ["report", "owner"]
    readonly_fields = [
        "verified",
        "verified_by",
        "verified_at",
        "verification_note",
        "completed_at",
        "last_reminded_on",
    ]


INVITATION_FIELDS = ("customer", "email", "sent_at", "answered_at", "score_overall", "comment")


class SurveyInvitationInline(admin.TabularInline):
    model = SurveyInvitation
    extra = 0
    can_delete = False
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "period_start",
        "period_end",
        "sent_at",
        "closes_at",
        "invited_count",
        "answered_count",
    ]
    readonly_fields = ["sent_at", "created_by", "created_at", "invited_count", "answered_count"]
    inlines = [SurveyInvitationInline]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Snapshots are unchanging: the admin shows them; `manage.py monthly_report` (re)builds them."""

    list_display = ["month", "built_at", "built_by", "emailed_at"]
    readonly_fields = ["month", "built_at", "built_by", "data", "emailed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
