"""Filters of ticket lists (API and console queues): the same FilterSet for both."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalation.models import Escalation, Level
from sla.selectors import SLA_FILTER_STATES, clock_state_q, sla_state_q
from tickets.models import Category, Channel, Classification, Customer, Service, SlaState, Stage, Ticket
from tickets.selectors import SEARCH_MAX, SEARCH_MIN, customer_match_q, ticket_search_matches


class TicketFilter(django_filters.FilterSet):
    # distinct=False: each is a column of the ticket itself, so no row can repeat; django-filter's default
    # DISTINCT made PostgreSQL sort every match (a million rows' worth) before it could keep one page.
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False)
    classification = django_filters.MultipleChoiceFilter(choices=Classification.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    team = django_filters.NumberFilter(field_name="team_id")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    sla_state = django_filters.ChoiceFilter(
        choices=[(state.value, state.label) for state in SLA_FILTER_STATES], method="filter_sla_state"
    )
    escalation_level = django_filters.NumberFilter(field_name="escalation_level", min_value=0, max_value=3)
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    # The moments the managers' dashboard counts by (reports.selectors.overview), each an indexed column:
    # its tiles link to the queue with the same bounds, [after, before).
    resolved_after = django_filters.IsoDateTimeFilter(field_name="first_resolved_at", lookup_expr="gte")
    resolved_before = django_filters.IsoDateTimeFilter(field_name="first_resolved_at", lookup_expr="lt")
    closed_after = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="lt")
    response_due_after = django_filters.IsoDateTimeFilter(field_name="first_response_due", lookup_expr="gte")
    response_due_before = django_filters.IsoDateTimeFilter(field_name="first_response_due", lookup_expr="lt")
    resolution_due_after = django_filters.IsoDateTimeFilter(field_name="resolution_due", lookup_expr="gte")
    resolution_due_before = django_filters.IsoDateTimeFilter(field_name="resolution_due", lookup_expr="lt")
    # A clock that was not met: stopped late, or still running past its deadline now.
    breached = django_filters.ChoiceFilter(
        choices=[("response", _("First response")), ("resolution", _("Resolution"))],
        method="filter_breached",
        label=_("Deadline not met"),
    )
    classified = django_filters.BooleanFilter(method="filter_classified", label=_("Classified"))
    incident = django_filters.NumberFilter(field_name="incident_id", label=_("Incident"))
    # Every ticket an RCA covers (the RCA's own record lists the first RCA_TICKETS_LISTED of them).
    rca = django_filters.NumberFilter(field_name="rca_id", label=_("Root cause analysis"))
    # Ratings given in a period (one per ticket: the join repeats no ticket).
    rated_after = django_filters.IsoDateTimeFilter(field_name="rating__created_at", lookup_expr="gte")
    rated_before = django_filters.IsoDateTimeFilter(field_name="rating__created_at", lookup_expr="lt")
    # Tickets with an escalation raised in a period, of a level, not acknowledged: the conditions hold for
    # the same escalation, so they are applied together in `filter_queryset`.
    escalated_after = django_filters.IsoDateTimeFilter(method="filter_nothing", label=_("Escalated after"))
    escalated_before = django_filters.IsoDateTimeFilter(method="filter_nothing", label=_("Escalated before"))
    escalated_level = django_filters.TypedChoiceFilter(
        choices=Level.choices, coerce=int, method="filter_nothing", label=_("Escalated to level")
    )
    escalation_unacknowledged = django_filters.BooleanFilter(
        method="filter_nothing", label=_("Escalation not acknowledged")
    )
    paused = django_filters.BooleanFilter()
    public_exposure = django_filters.BooleanFilter()
    search = django_filters.CharFilter(
        method="filter_search", min_length=SEARCH_MIN, max_length=SEARCH_MAX, label=_("Search")
    )
    # Sorting is the pagination's (`?ordering=`, helpdesk.lib.api.Pagination): a page is read from an index.

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_nothing(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        return queryset  # applied in filter_queryset, with the filters it belongs with

    def filter_queryset(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition = Q()
        if data.get("escalated_after"):
            condition &= Q(raised_at__gte=data["escalated_after"])
        if data.get("escalated_before"):
            condition &= Q(raised_at__lt=data["escalated_before"])
        if data.get("escalated_level"):
            condition &= Q(level=data["escalated_level"])
        if data.get("escalation_unacknowledged") is not None:
            condition &= Q(acknowledged_at__isnull=data["escalation_unacknowledged"])
        if condition:
            # The escalations' own indexes (raised_at; level, raised_at) find them; the tickets by key.
            queryset = queryset.filter(pk__in=Escalation.objects.filter(condition).values("ticket_id"))
        return queryset

    def filter_breached(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if not value:
            return queryset
        column = "response_sla" if value == "response" else "resolution_sla"
        return queryset.filter(
            Q(**{column: SlaState.MISSED}) | clock_state_q(value, SlaState.BREACHED, timezone.now())
        )

    def filter_classified(
        self, queryset: QuerySet[Ticket], name: str, value: bool | None
    ) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        return queryset.exclude(classification="") if value else queryset.filter(classification="")

    def filter_sla_state(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(sla_state_q(value, timezone.now())) if value else queryset

    def filter_search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        """The console's search (`tickets.selectors.ticket_search_q`): a ticket number typed any way, a
        customer's name, email or phone, a service reference, or words of the description."""
        condition = ticket_search_matches(value)
        return queryset if condition is None else queryset.filter(condition)


class CustomerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    # As the ticket search: fewer than SEARCH_MIN characters have no trigrams to look up.
    search = django_filters.CharFilter(method="filter_search", min_length=SEARCH_MIN, max_length=SEARCH_MAX)
    email = django_filters.CharFilter(method="filter_email")
    phone = django_filters.CharFilter(method="filter_phone")

    class Meta:
        model = Customer
        fields = ["tier"]

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        """The console look-up's match (`tickets.selectors.customer_match_q`), answered from indexes."""
        text = " ".join(value.replace("\x00", "").split())
        return queryset.filter(customer_match_q(text)) if text else queryset

    def filter_email(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return queryset.filter(email=value.strip().lower())

    def filter_phone(self, queryset: QuerySet[Customer], name: str, value: Any) -> QuerySet[Customer]:
        from django.core.exceptions import ValidationError

        from helpdesk.lib.contact import normalise_phone

        try:
            return queryset.filter(phone=normalise_phone(value))
        except ValidationError:
            return queryset.none()


class ServiceFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Service
        fields = ["customer", "kind", "status", "billing_status", "reference"]
