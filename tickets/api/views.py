"""The staff REST API for tickets and reference data (API.md). Thin: parse, call a service or selector,
serialise."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from helpdesk.lib.access import Capability, can, roles_that
from helpdesk.lib.api import ErrorSerializer
from helpdesk.lib.errors import Forbidden
from helpdesk.lib.http import signed_in_user
from tickets import selectors, services
from tickets.api import serializers as s
from tickets.filters import CustomerFilter, ServiceFilter, TicketFilter
from tickets.models import Action, CategoryRoute, Customer, Region, Service, Team

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid input; `fields` says what is wrong with each field"
    ),
    403: OpenApiResponse(ErrorSerializer, description="Your role does not allow this"),
    404: OpenApiResponse(ErrorSerializer, description="No such ticket (or not visible to you)"),
    409: OpenApiResponse(ErrorSerializer, description="Not allowed in the ticket's current stage"),
}


def _require(request: Request, capability: Capability) -> None:
    """The same rule as the console's (helpdesk.lib.access.CAPABILITIES)."""
    if not can(request.user, capability):
        names = ", ".join(role.value for role in roles_that(capability))
        raise Forbidden(_("This needs one of the roles: %(roles)s.") % {"roles": names})


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions and their time zones."""

    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    lookup_field = "code"
    pagination_class = None


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams and the complaint categories routed to them."""

    queryset = Team.objects.prefetch_related(Prefetch("routes", queryset=CategoryRoute.objects.all()))
    serializer_class = s.TeamSerializer
    pagination_class = None


@extend_schema_view(create=extend_schema(responses={201: s.CustomerSerializer, **ERRORS}))
class CustomerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Customers; created by front-office staff."""

    queryset = Customer.objects.none()  # the schema's model; the rows are the viewer's (get_queryset)
    orderings = ["pk"]
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self) -> QuerySet[Customer]:
        viewer = self.request.user
        return selectors.visible_customers(viewer=viewer).select_related("region").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require(request, Capability.WRITE_CUSTOMERS)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(**serializer.validated_data)
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)


@extend_schema_view(create=extend_schema(responses={201: s.ServiceSerializer, **ERRORS}))
class ServiceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Customers' service subscriptions."""

    queryset = Service.objects.none()  # the schema's model; the rows are the viewer's (get_queryset)
    orderings = ["pk"]
    serializer_class = s.ServiceSerializer
    filterset_class = ServiceFilter

    def get_queryset(self) -> QuerySet[Service]:
        viewer = self.request.user
        return selectors.visible_services(viewer=viewer).select_related("region", "customer").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require(request, Capability.WRITE_CUSTOMERS)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = services.service_create(**serializer.validated_data)
        return Response(self.get_serializer(service).data, status=status.HTTP_201_CREATED)


def _action_view(name: Action, input_serializer: type[Serializer], description: str) -> Any:
    """One `POST /api/tickets/{number}/<name>/` endpoint: parse its input, call `ticket_act`."""

    def view(self: TicketViewSet, request: Request, number: str | None = None) -> Response:
        ticket = self.get_object()
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        services.ticket_act(ticket=ticket, actor=actor, action=name, data=serializer.validated_data)
        fresh = selectors.ticket_get(viewer=actor, number=ticket.number, now=timezone.now())
        return Response(s.TicketSerializer(fresh).data)

    # Methods are named act_<action>: a method called `dispatch` would replace the view's own dispatch.
    view.__name__ = f"act_{name.value}"
    routed = action(detail=True, methods=["post"], url_path=name.value, url_name=name.value)(view)
    # extend_schema goes on top of @action: @action replaces the function's `kwargs`, where the schema
    # override is kept, so applied underneath it the documented responses were silently dropped.
    return extend_schema(
        request=input_serializer,
        responses={200: s.TicketSerializer, **ERRORS},
        description=description,
        operation_id=f"tickets_{name.value}",
    )(routed)


@extend_schema_view(
    list=extend_schema(responses={200: s.TicketSerializer(many=True)}),
    retrieve=extend_schema(responses={200: s.TicketSerializer, 404: ERRORS[404]}),
    create=extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketSerializer, **ERRORS}),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets: list with filters, read one by its number, log a complaint, and take stage actions."""

    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    # The sorts a page can be read from an index in (helpdesk.lib.api.Pagination); newest first by default.
    orderings = ["-reported_at", "reported_at", "next_due", "first_response_due", "resolution_due"]
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Any]:
        # Also asked by the schema generator, as nobody: someone signed out sees no tickets.
        return selectors.ticket_list(viewer=self.request.user, now=timezone.now())

    def get_object(self) -> Any:
        return selectors.ticket_get(
            viewer=self.request.user, number=self.kwargs["number"], now=timezone.now()
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require(request, Capability.LOG_COMPLAINT)
        serializer = s.TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_log(
            actor=signed_in_user(request), customer_field_prefix="customer.", **serializer.validated_data
        )
        # The ticket as the service left it, with its SLA states decided in memory (no read of what was just
        # written).
        selectors.with_current_sla_states(ticket, now=timezone.now())
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.HistoryEntrySerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, number: str | None = None) -> Response:
        """The append-only history: who, when, what, before and after."""
        ticket = self.get_object()
        entries = selectors.ticket_history(ticket=ticket)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(responses={200: s.MessageSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def messages(self, request: Request, number: str | None = None) -> Response:
        """Replies, customer messages and internal notes, oldest first."""
        ticket = self.get_object()
        messages = selectors.ticket_messages(ticket=ticket, include_internal=True)
        return Response(s.MessageSerializer(messages, many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.AttachmentSerializer},
        responses={201: s.AttachmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def attachments(self, request: Request, number: str | None = None) -> Response:
        """Attach a file (size and type limited)."""
        ticket = self.get_object()
        actor = signed_in_user(request)
        if services.action_permitted(ticket=ticket, actor=actor, action=Action.NOTE, via="staff"):
            raise Forbidden(_("Your role does not allow attaching files to this ticket."))
        serializer = s.AttachmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            ticket=ticket,
            actor=actor,
            upload=serializer.validated_data["file"],
            is_public=serializer.validated_data["is_public"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    act_respond = _action_view(
        Action.RESPOND, s.ReplyInput, "Public reply (or logged call); counts as first response."
    )
    act_note = _action_view(Action.NOTE, s.NoteInput, "Internal note; never shown to the customer.")
    act_verify = _action_view(
        Action.VERIFY, s.VerifyInput, "Stage 2: both service status and billing checked; classification set."
    )
    act_dispatch = _action_view(
        Action.DISPATCH, s.DispatchInput, "Stage 3: to the technical team for the category."
    )
    act_resolve = _action_view(Action.RESOLVE, s.ResolveInput, "Stage 4: with a new RCA or an existing one.")
    act_confirm = _action_view(
        Action.CONFIRM, s.ConfirmInput, "Stage 5: the customer is satisfied (optional rating)."
    )
    act_reject = _action_view(
        Action.REJECT, s.RejectInput, "The customer is not satisfied: reopens and escalates."
    )
    act_close = _action_view(
        Action.CLOSE, s.CloseInput, "Stage 6, or an early close as duplicate/invalid/no response."
    )
    act_escalate = _action_view(Action.ESCALATE, s.EscalateInput, "Manual escalation to level 1, 2 or 3.")
    act_pause = _action_view(Action.PAUSE, s.PauseInput, "Wait for the customer: the SLA clocks stop.")
    act_resume = _action_view(
        Action.RESUME, s.EmptyInput, "Stop waiting: the deadlines move on by the pause."
    )
    act_assign = _action_view(Action.ASSIGN, s.AssignInput, "Assign to a person and/or team.")
    act_reclassify = _action_view(
        Action.RECLASSIFY, s.ReclassifyInput, "Change the classification: deadlines recomputed."
    )
