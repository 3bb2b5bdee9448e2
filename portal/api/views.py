"""The public portal API (API.md "Portal"): no login, rate-limited, and never revealing another
customer's data — a wrong contact gets exactly the answer an unknown number gets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.lib.api import ErrorSerializer
from portal.api.serializers import (
    ComplaintCreated,
    ComplaintInput,
    PortalConfirmInput,
    PortalContactInput,
    PortalRateInput,
    PortalRejectInput,
    PublicStatusSerializer,
)
from portal.limits import PortalThrottle
from reports import services as reports_services
from tickets import selectors, services
from tickets.models import Ticket

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No ticket matches this number and contact")
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Not possible in the ticket's current stage")
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests; try again later")


class PortalView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PortalThrottle]  # the budget the portal's pages share (portal.limits)
    throttle_scope = "portal"


class ComplaintView(PortalView):
    @extend_schema(
        request=ComplaintInput,
        responses={201: ComplaintCreated, 400: INVALID, 429: THROTTLED},
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        """File a complaint; answers with the ticket number, and whether the optional service reference
        was found among the customer's services (when it is not, the complaint is filed without it)."""
        serializer = ComplaintInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_file_from_portal(**serializer.validated_data)
        linked = ticket.service_id is not None or not serializer.validated_data.get("service_ref", "").strip()
        return Response({"number": ticket.number, "service_linked": linked}, status=status.HTTP_201_CREATED)


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
    input_serializer: type[serializers.Serializer] = PortalContactInput

    def _ticket(self, request: Request, number: str) -> tuple[Ticket, dict[str, Any]]:
        serializer = self.input_serializer(data=request.data)
        if not serializer.is_valid():
            # Check the ticket first: bad input on someone else's ticket must still look like a 404. A
            # JSON body that is not an object (a list, a string) has no contact: the same 404.
            contact = request.data.get("contact", "") if isinstance(request.data, Mapping) else ""
            selectors.portal_ticket(number=number, contact=str(contact)[:254])
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
    input_serializer = PortalConfirmInput

    @extend_schema(
        request=PortalConfirmInput,
        responses={200: PublicStatusSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        tags=["portal"],
    )
    def post(self, request: Request, number: str) -> Response:
        """The customer confirms the fix (optionally rating it at once)."""
        ticket, data = self._ticket(request, number)
        services.ticket_act(ticket=ticket, actor=None, action="confirm", data=data, via=services.Via.PORTAL)
        return self._status(ticket)


class RejectView(_PortalActionView):
    input_serializer = PortalRejectInput

    @extend_schema(
        request=PortalRejectInput,
        responses={200: PublicStatusSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        tags=["portal"],
    )
    def post(self, request: Request, number: str) -> Response:
        """The customer says the problem is not solved: the ticket reopens and is escalated."""
        ticket, data = self._ticket(request, number)
        services.ticket_act(ticket=ticket, actor=None, action="reject", data=data, via=services.Via.PORTAL)
        return self._status(ticket)


class RateView(_PortalActionView):
    input_serializer = PortalRateInput

    @extend_schema(
        request=PortalRateInput,
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
