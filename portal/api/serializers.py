"""Shapes of the public portal API (API.md "Portal"). Named `Portal…` so that the schema never mixes them
up with the staff API's inputs of the same purpose."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from helpdesk.lib.api import BoundedDateTimeField
from tickets.models import Category, Stage, Ticket


class ComplaintInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254)
    phone = serializers.CharField(max_length=32)
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=settings.HELPDESK["DESCRIPTION_MAX_LENGTH"])
    incident_at = BoundedDateTimeField()
    service_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ComplaintCreated(serializers.Serializer):
    number = serializers.CharField()
    service_linked = serializers.BooleanField(
        help_text="False when a service_ref was given but is not among the customer's services: the "
        "complaint is filed without it (verification finds the service)."
    )


class PortalMessageSerializer(serializers.Serializer):
    kind = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class PublicStatusSerializer(serializers.Serializer):
    """What a customer sees of their ticket: never internal notes, staff names or other customers."""

    number = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.SerializerMethodField()
    category = serializers.CharField()
    paused = serializers.BooleanField()
    reported_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    can_confirm = serializers.SerializerMethodField()
    can_rate = serializers.SerializerMethodField()
    messages = PortalMessageSerializer(source="public_messages", many=True)

    def get_stage_label(self, ticket: Ticket) -> str:
        return str(Stage(ticket.stage).label)

    def get_can_confirm(self, ticket: Ticket) -> bool:
        return ticket.stage == Stage.RESOLVED

    def get_can_rate(self, ticket: Ticket) -> bool:
        return (
            ticket.stage in (Stage.CONFIRMED, Stage.CLOSED)
            and ticket.close_reason in ("", "confirmed")
            and not hasattr(ticket, "rating")
        )


class PortalContactInput(serializers.Serializer):
    contact = serializers.CharField(max_length=254, help_text=_("The email or phone number on record"))


class PortalRejectInput(PortalContactInput):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PortalConfirmInput(PortalContactInput):
    csat = serializers.IntegerField(min_value=1, max_value=5, required=False)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PortalRateInput(PortalContactInput):
    csat = serializers.IntegerField(min_value=1, max_value=5)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
