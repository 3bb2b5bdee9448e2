from django.contrib import admin

from reports.models import RootCauseAnalysis, RootCauseCategory, SatisfactionRating


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
