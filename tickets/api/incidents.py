"""Mass incidents in the staff API (SPEC §10): `/api/incidents/` — list, declare, read, change — with
their updates, the linking of complaints (by number, many at once) and the resolution. Thin: the
services decide who may and what is valid (403, 400, 409 with one error shape)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.lib.api import BoundedDateTimeField
from helpdesk.lib.http import signed_in_user
from tickets.api.serializers import _RcaRefSchemaField
from tickets.api.views import ERRORS
from tickets.models import Incident, IncidentUpdate, ServiceKind
from tickets.services import incidents as services

DETAILS_MAX = services.DETAILS_MAX


class IncidentUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentUpdate
        fields = ["id", "body_id", "body_en", "expected_restoration_at", "posted_at"]


class IncidentSerializer(serializers.ModelSerializer):
    regions = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    def get_regions(self, incident: Incident) -> list[str]:
        return [region.code for region in incident.regions.all()]

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "details_id",
            "details_en",
            "regions",
            "service_kinds",
            "started_at",
            "expected_restoration_at",
            "is_open",
            "resolved_at",
            "tickets_resolved_at",
            "rca",
            "escalation_level",
        ]


class IncidentInput(serializers.Serializer):
    title = serializers.CharField(max_length=services.TITLE_MAX)
    details_id = serializers.CharField(max_length=DETAILS_MAX)
    details_en = serializers.CharField(max_length=DETAILS_MAX, required=False, allow_blank=True)
    regions = serializers.ListField(child=serializers.CharField(max_length=16), min_length=1, max_length=50)
    service_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceKind.choices), required=False, max_length=20
    )
    started_at = BoundedDateTimeField(required=False)
    expected_restoration_at = BoundedDateTimeField(required=False, allow_null=True)


class IncidentUpdateInput(serializers.Serializer):
    body_id = serializers.CharField(max_length=DETAILS_MAX)
    body_en = serializers.CharField(max_length=DETAILS_MAX, required=False, allow_blank=True)
    expected_restoration_at = BoundedDateTimeField(required=False, allow_null=True)


class LinkInput(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=500)


class IncidentResolveInput(serializers.Serializer):
    rca = _RcaRefSchemaField(help_text="An existing RCA id, or a new RCA")


LINK_RESULTS = inline_serializer(
    "IncidentLinkResults",
    {
        "results": serializers.DictField(
            child=serializers.CharField(), help_text="number: empty when done, else why not"
        )
    },
)


@extend_schema_view(
    list=extend_schema(responses={200: IncidentSerializer(many=True)}, tags=["incidents"]),
    retrieve=extend_schema(responses={200: IncidentSerializer, 404: ERRORS[404]}, tags=["incidents"]),
    create=extend_schema(
        request=IncidentInput, responses={201: IncidentSerializer, **ERRORS}, tags=["incidents"]
    ),
    partial_update=extend_schema(
        request=IncidentInput(partial=True), responses={200: IncidentSerializer, **ERRORS}, tags=["incidents"]
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Mass incidents: declared by supervisors and the network operations team; `?open=true` lists the
    ones not yet resolved."""

    serializer_class = IncidentSerializer
    orderings = ["-pk", "pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Incident]:
        queryset = Incident.objects.prefetch_related("regions")
        wanted = self.request.query_params.get("open")
        if wanted in ("true", "1"):
            queryset = queryset.filter(resolved_at__isnull=True)
        elif wanted in ("false", "0"):
            queryset = queryset.filter(resolved_at__isnull=False)
        return queryset

    def _answer(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        return Response(IncidentSerializer(self.get_queryset().get(pk=incident.pk)).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_declare(
            actor=signed_in_user(request), now=timezone.now(), **data.validated_data
        )
        return self._answer(incident, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        incident = services.incident_change(
            incident=self.get_object(), actor=signed_in_user(request), data=data.validated_data
        )
        return self._answer(incident)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(responses={200: IncidentUpdateSerializer(many=True)}, tags=["incidents"])
    @action(detail=True, methods=["get"])
    def updates(self, request: Request, pk: str | None = None) -> Response:
        """The public updates, oldest first."""
        incident = self.get_object()
        return Response(
            IncidentUpdateSerializer(incident.updates.order_by("posted_at", "id"), many=True).data
        )

    @extend_schema(
        request=IncidentUpdateInput, responses={201: IncidentUpdateSerializer, **ERRORS}, tags=["incidents"]
    )
    @updates.mapping.post
    def post_update(self, request: Request, pk: str | None = None) -> Response:
        """Post a public update: owed at once to every linked customer and subscriber."""
        data = IncidentUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.incident_update_post(
            incident=self.get_object(),
            actor=signed_in_user(request),
            now=timezone.now(),
            **data.validated_data,
        )
        return Response(IncidentUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LinkInput, responses={200: LINK_RESULTS, **ERRORS}, tags=["incidents"])
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        """Link complaints to the incident by number (up to 500); each one's result."""
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.incident_link_tickets(
            incident=self.get_object(), actor=signed_in_user(request), numbers=data.validated_data["tickets"]
        )
        return Response({"results": results})

    @extend_schema(request=LinkInput, responses={200: LINK_RESULTS, **ERRORS}, tags=["incidents"])
    @action(detail=True, methods=["post"])
    def unlink(self, request: Request, pk: str | None = None) -> Response:
        """Take complaints out of the incident by number; each one's result."""
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.incident_link_tickets(
            incident=self.get_object(),
            actor=signed_in_user(request),
            numbers=data.validated_data["tickets"],
            unlink=True,
        )
        return Response({"results": results})

    @extend_schema(
        request=IncidentResolveInput, responses={200: IncidentSerializer, **ERRORS}, tags=["incidents"]
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Resolve the incident with its RCA: its open tickets follow, in batches, after the answer."""
        data = IncidentResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_resolve(
            incident=self.get_object(),
            actor=signed_in_user(request),
            rca=data.validated_data["rca"],
            now=timezone.now(),
        )
        return self._answer(incident)
