"""Serializers of the reports API: output shapes, and input shapes whose values the services check."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from reports.models import CSI_QUESTIONS, CapaAction, CapaReport, RootCauseAnalysis, SurveyCampaign
from reports.selectors import RCA_TICKETS_LISTED


class RcaSerializer(serializers.ModelSerializer):
    """An RCA with the numbers of the first RCA_TICKETS_LISTED tickets it covers (`tickets_more`: there are
    more; `/api/tickets/?rca=<id>` lists them all). Give it RCAs through
    `reports.selectors.with_ticket_numbers`."""

    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, default=None, allow_null=True)
    tickets = serializers.ListField(
        source="ticket_numbers",
        child=serializers.CharField(),
        read_only=True,
        help_text=f"The numbers of the first {RCA_TICKETS_LISTED} tickets this RCA covers, in order.",
    )
    tickets_more = serializers.BooleanField(
        read_only=True, help_text="It covers more tickets than listed: /api/tickets/?rca=<id> lists all."
    )

    class Meta:
        model = RootCauseAnalysis
        fields = [
            "id",
            "problem_statement",
            "category",
            "category_name",
            "analysis",
            "temporary_fix",
            "permanent_fix",
            "author",
            "tickets",
            "tickets_more",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RcaInput(serializers.Serializer):
    problem_statement = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    category = serializers.CharField(required=False, allow_blank=True, max_length=40)
    analysis = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    temporary_fix = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    permanent_fix = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class CapaActionSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.username", read_only=True)
    due = serializers.DateField(source="due_date", read_only=True)
    verified_by = serializers.CharField(source="verified_by.username", read_only=True, default=None)

    class Meta:
        model = CapaAction
        fields = [
            "id",
            "kind",
            "description",
            "owner",
            "owner_name",
            "due",
            "status",
            "completed_at",
            "verified",
            "verified_by",
            "verified_at",
            "verification_note",
        ]
        read_only_fields = fields


class CapaReportSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None, allow_null=True)
    actions = CapaActionSerializer(many=True, read_only=True)
    closed_by = serializers.CharField(
        source="closed_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CapaReport
        fields = [
            "id",
            "title",
            "rca",
            "summary",
            "author",
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CapaSettleInput(serializers.Serializer):
    """Closing or withdrawing a CAPA report: why (required)."""

    reason = serializers.CharField(max_length=10_000)


class CapaActionInput(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    kind = serializers.CharField(required=False, max_length=16)
    description = serializers.CharField(required=False, max_length=10_000)
    owner = serializers.IntegerField(required=False)
    due = serializers.DateField(required=False)
    status = serializers.CharField(required=False, max_length=16)
    verified = serializers.BooleanField(required=False)
    verification_note = serializers.CharField(required=False, allow_blank=True, max_length=10_000)

    def service_data(self) -> dict[str, Any]:
        """The fields the CAPA services take (verification is its own service)."""
        return {
            key: value
            for key, value in self.validated_data.items()
            if key not in ("id", "verified", "verification_note")
        }


class CapaInput(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    rca = serializers.IntegerField(required=False, allow_null=True)
    actions = CapaActionInput(many=True, required=False)


class CampaignSerializer(serializers.ModelSerializer):
    invited = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)

    class Meta:
        model = SurveyCampaign
        fields = ["id", "name", "period_start", "period_end", "sent_at", "closes_at", "invited", "answered"]
        read_only_fields = fields


class CampaignInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    closes_at = serializers.DateTimeField(required=False)


class SurveyAnswerInput(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SurveyQuestionsSerializer(serializers.Serializer):
    campaign = serializers.CharField()
    closes_at = serializers.DateTimeField()
    answered = serializers.BooleanField()
    questions = serializers.DictField(child=serializers.CharField())


def survey_questions() -> dict[str, str]:
    return {key: str(text) for key, text in CSI_QUESTIONS.items()}
