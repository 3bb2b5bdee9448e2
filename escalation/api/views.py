"""The escalation API: the queue of escalations (filter by level, reason, acknowledged) and the
acknowledge action. Thin: reads via escalation.selectors, writes via escalation.services."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from escalation import services
from escalation.api.serializers import EscalationSerializer
from escalation.models import Escalation, Level, Reason
from escalation.selectors import escalations_visible
from helpdesk.lib.api import ErrorSerializer
from helpdesk.lib.http import signed_in_user

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for your roles."),
    404: OpenApiResponse(ErrorSerializer, description="No such escalation."),
    409: OpenApiResponse(ErrorSerializer, description="Already acknowledged."),
}


class EscalationFilter(django_filters.FilterSet):
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int)
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True
    )
    ticket = django_filters.CharFilter(field_name="ticket__number")

    class Meta:
        model = Escalation
        fields = ["level", "reason", "acknowledged", "ticket"]


@extend_schema_view(
    list=extend_schema(description="Escalations of the tickets you can see, unacknowledged first."),
    retrieve=extend_schema(responses={200: EscalationSerializer, 404: ERRORS[404]}),
)
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter

    orderings = ["-raised_at", "raised_at"]

    def get_queryset(self) -> QuerySet[Any]:
        return escalations_visible(viewer=self.request.user)

    @extend_schema(request=None, responses={200: EscalationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """The person at the escalation's level takes it (supervisor for 1, manager 2, director 3)."""
        escalation = self.get_object()
        services.escalation_acknowledge(
            escalation_id=escalation.pk, actor=signed_in_user(request), at=timezone.now()
        )
        return Response(EscalationSerializer(self.get_queryset().get(pk=escalation.pk)).data)
