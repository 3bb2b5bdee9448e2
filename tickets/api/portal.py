"""The public portal API (API.md "Portal"): no login, rate-limited, and never revealing another
customer's data — a wrong contact gets exactly the answer an unknown number gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from helpdesk.lib.api import ErrorSerializer
from reports import services as reports_services
from tickets import selectors, services
from tickets.api.serializers import BoundedDateTimeField
from tickets.models import Category, Stage, Ticket

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No ticket matches this number and contact")
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Not possible in the ticket's current stage")
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests; try again later")


class PortalView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "portal"


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


class ContactInput(serializers.Serializer):
    contact = serializers.CharField(max_length=254, help_text=_("The email or phone number on record"))


class RejectInput(ContactInput):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ConfirmInput(ContactInput):
    csat = serializers.IntegerField(min_value=1, max_value=5, required=False)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RateInput(ContactInput):
    csat = serializers.IntegerField(min_value=1, max_value=5)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ComplaintView(PortalView):
    @extend_schema(
        request=ComplaintInput,
        responses={201: ComplaintCreated, 400: INVALID, 429: THROTTLED},
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        """File a complaint; answers with the ticket number."""
        serializer = ComplaintInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_file_from_portal(**serializer.validated_data)
        return Response({"number": ticket.number}, status=status.HTTP_201_CREATED)


class TrackView(PortalView):
    throttle_scope = "portal_track"

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str, required=True),
            OpenApiParameter("contact", str, required=True, description="Email or phone on record"),
        ],
        responses={200: PublicStatusSerializer, 404: NOT_FOUND, 429: THROTTLED},
        tags=["portal"],
    )
    def get(self, request: Request) -> Response:
        """The ticket's public status, if `contact` is its email or phone; the same 404 otherwise."""
        number = str(request.query_params.get("number", ""))[:40]
        contact = str(request.query_params.get("contact", ""))[:254]
        ticket = selectors.portal_ticket(number=number, contact=contact)
        return Response(PublicStatusSerializer(ticket).data)


class _PortalActionView(PortalView):
    input_serializer: type[serializers.Serializer] = ContactInput

    def _ticket(self, request: Request, number: str) -> tuple[Ticket, dict[str, Any]]:
        serializer = self.input_serializer(data=request.data)
        if not serializer.is_valid():
            # Check the ticket first: bad input on someone else's ticket must still look like a 404.
            selectors.portal_ticket(number=number, contact=str(request.data.get("contact", ""))[:254])
            serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ticket = selectors.portal_ticket(number=number, contact=data.pop("contact"))
        return ticket, data

    def _status(self, ticket: Ticket) -> Response:
        fresh = selectors.portal_ticket(
            number=ticket.number,
            contact=ticket.contact_email or ticket.customer.email or ticket.customer.phone,
        )
        return Response(PublicStatusSerializer(fresh).data)


class ConfirmView(_PortalActionView):
    input_serializer = ConfirmInput

    @extend_schema(
        request=ConfirmInput,
        responses={200: PublicStatusSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        tags=["portal"],
    )
    def post(self, request: Request, number: str) -> Response:
        """The customer confirms the fix (optionally rating it at once)."""
        ticket, data = self._ticket(request, number)
        services.ticket_act(ticket=ticket, actor=None, action="confirm", data=data, via=services.Via.PORTAL)
        return self._status(ticket)


class RejectView(_PortalActionView):
    input_serializer = RejectInput

    @extend_schema(
        request=RejectInput,
        responses={200: PublicStatusSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        tags=["portal"],
    )
    def post(self, request: Request, number: str) -> Response:
        """The customer says the problem is not solved: the ticket reopens and is escalated."""
        ticket, data = self._ticket(request, number)
        services.ticket_act(ticket=ticket, actor=None, action="reject", data=data, via=services.Via.PORTAL)
        return self._status(ticket)


class RateView(_PortalActionView):
    input_serializer = RateInput

    @extend_schema(
        request=RateInput,
        responses={200: PublicStatusSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        tags=["portal"],
    )
    def post(self, request: Request, number: str) -> Response:
        """Rate a confirmed ticket: CSAT 1–5 and NPS 0–10."""
        ticket, data = self._ticket(request, number)
        reports_services.rating_record(
            ticket=ticket,
            csat=data["csat"],
            nps=data.get("nps"),
            comment=data.get("comment", ""),
            via="portal",
        )
        return self._status(ticket)
