"""Serializers of the escalation API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import serializers

from escalation.models import Escalation

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EscalationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number", read_only=True)
    ticket_stage = serializers.CharField(source="ticket.stage", read_only=True)
    classification = serializers.CharField(source="ticket.classification", read_only=True)
    raised_by = serializers.CharField(source="raised_by.username", read_only=True, default=None)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, default=None)
    acknowledged = serializers.SerializerMethodField()
    notified: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="username"
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "ticket",
            "ticket_stage",
            "classification",
            "level",
            "reason",
            "note",
            "raised_at",
            "raised_by",
            "notified",
            "acknowledged",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields

    def get_acknowledged(self, obj: Escalation) -> bool:
        return obj.acknowledged_at is not None
