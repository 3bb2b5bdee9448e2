"""Shapes of the tickets API (API.md). Input serializers parse types; the services enforce the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.lib.api import BoundedDateTimeField, BuiltOnceModelSerializer, QuickRepresentation
from tickets.models import (
    BillingStatus,
    Category,
    Channel,
    Classification,
    CloseReason,
    Customer,
    CustomerTier,
    Region,
    Service,
    ServiceKind,
    ServiceStatus,
    Team,
    Ticket,
    TicketMessage,
)

if TYPE_CHECKING:
    from reports.models import RootCauseAnalysis

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "timezone"]


class CustomerSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True, default=None
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    tier = serializers.ChoiceField(choices=CustomerTier.choices, default=CustomerTier.REGULAR)

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "tier", "region"]
        read_only_fields = ["id"]


class ServiceSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    status = serializers.ChoiceField(choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    billing_status = serializers.ChoiceField(choices=BillingStatus.choices, default=BillingStatus.PAID)
    overdue_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, default=Decimal(0)
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "customer",
            "kind",
            "region",
            "reference",
            "status",
            "billing_status",
            "overdue_amount",
        ]
        read_only_fields = ["id"]


class TeamSerializer(serializers.ModelSerializer):
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "categories"]

    def get_categories(self, team: Team) -> list[str]:
        return sorted(route.category for route in team.routes.all())


class CustomerSummarySerializer(BuiltOnceModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "tier", "region"]


class ServiceSummarySerializer(BuiltOnceModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Service
        fields = ["id", "reference", "kind", "region", "status", "billing_status", "overdue_amount"]


class UserSummarySerializer(QuickRepresentation, serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.username


class TeamSummarySerializer(QuickRepresentation, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(BuiltOnceModelSerializer):
    """A ticket as the API shows it. SLA states are as of the request (decided by sla.selectors)."""

    customer = CustomerSummarySerializer(read_only=True)
    # What a ticket may lack is documented as null (or, for choices, ""): the schema says what is sent.
    service = ServiceSummarySerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    classification = serializers.ChoiceField(choices=Classification.choices, allow_blank=True, read_only=True)
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, allow_blank=True, read_only=True)
    response_sla = serializers.CharField(source="current_response_sla", read_only=True)
    resolution_sla = serializers.CharField(source="current_resolution_sla", read_only=True)
    rca: serializers.PrimaryKeyRelatedField[RootCauseAnalysis] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    duplicate_of: serializers.SlugRelatedField[Ticket] = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "customer",
            "service",
            "category",
            "classification",
            "channel",
            "stage",
            "paused",
            "team",
            "assignee",
            "description",
            "incident_at",
            "reported_at",
            "created_at",
            "updated_at",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "resolved_at",
            "confirmed_at",
            "closed_at",
            "close_reason",
            "duplicate_of",
            "stage_due",
            "response_sla",
            "resolution_sla",
            "escalation_level",
            "public_exposure",
            "rejection_count",
            "rca",
        ]
        read_only_fields = fields


class CustomerRefField(serializers.Field):
    """A customer id, or `{name, email, phone}` to find-or-create."""

    default_error_messages = {
        "invalid": _("Give a customer id or an object with name, email and phone."),
        "unknown": _("No customer with this id."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit()):
            customer = Customer.objects.select_related("region").filter(pk=int(data)).first()
            if customer is None:
                self.fail("unknown")
            return customer
        if isinstance(data, dict):
            nested = CustomerInlineSerializer(data=data)
            nested.is_valid(raise_exception=True)
            return dict(nested.validated_data)
        self.fail("invalid")
        return None

    def to_representation(self, value: Any) -> Any:
        return value.pk


@extend_schema_field(OpenApiTypes.OBJECT)
class _CustomerRefSchemaField(CustomerRefField):
    pass


class CustomerInlineSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class TicketCreateSerializer(serializers.Serializer):
    customer = _CustomerRefSchemaField(help_text="A customer id, or {name, email, phone} to find-or-create.")
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.select_related("region"), required=False, allow_null=True
    )
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    description = serializers.CharField(
        max_length=settings.HELPDESK["DESCRIPTION_MAX_LENGTH"], trim_whitespace=True
    )
    incident_at = BoundedDateTimeField()
    classification = serializers.ChoiceField(choices=Classification.choices, required=False, allow_blank=True)
    reported_at = BoundedDateTimeField(required=False)
    public_exposure = serializers.BooleanField(required=False, default=False)


class MessageSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "kind", "channel", "body", "author", "created_at"]


class HistoryChangeSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    event = serializers.CharField(help_text="created, changed, or acted (an action that changed no field)")
    action = serializers.CharField(allow_null=True)
    actor_id = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(allow_null=True)
    via = serializers.CharField(allow_null=True)
    changes = serializers.DictField(child=HistoryChangeSerializer())


# --- Action inputs --------------------------------------------------------------------------------------


class ReplyInput(serializers.Serializer):
    body = serializers.CharField(max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text=(
            "phone or walk_in: a contact logged by a person; otherwise a written reply emailed to them"
        ),
    )


class NoteInput(serializers.Serializer):
    body = serializers.CharField(max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])


class VerifyInput(serializers.Serializer):
    classification = serializers.ChoiceField(choices=Classification.choices)
    category = serializers.ChoiceField(
        choices=Category.choices, required=False, help_text="Corrects the category before dispatch routes it."
    )
    service_status_checked = serializers.BooleanField()
    billing_checked = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DispatchInput(serializers.Serializer):
    team = serializers.IntegerField(required=False, help_text="Defaults to the team routed for the category.")
    assignee = serializers.IntegerField(required=False)


class RcaInput(serializers.Serializer):
    problem_statement = serializers.CharField(max_length=10_000)
    category = serializers.CharField(max_length=40, help_text="Root-cause category code or id")
    analysis = serializers.CharField(max_length=10_000)
    temporary_fix = serializers.CharField(max_length=10_000)
    permanent_fix = serializers.CharField(max_length=10_000)


class RcaRefField(serializers.Field):
    default_error_messages = {"invalid": _("Give the id of an existing RCA, or a new RCA object.")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit()):
            return int(data)
        if isinstance(data, dict):
            nested = RcaInput(data=data)
            nested.is_valid(raise_exception=True)
            return dict(nested.validated_data)
        self.fail("invalid")
        return None

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"oneOf": [{"type": "integer"}, {"$ref": "#/components/schemas/RcaInputRequest"}]})
class _RcaRefSchemaField(RcaRefField):
    pass


class ResolveInput(serializers.Serializer):
    rca = _RcaRefSchemaField(help_text="An existing RCA id, or a new RCA")
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ConfirmInput(serializers.Serializer):
    csat = serializers.IntegerField(min_value=1, max_value=5, required=False)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CloseInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CloseReason.choices, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    duplicate_of = serializers.CharField(max_length=20, required=False, help_text="Ticket number")


class EscalateInput(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=3)
    reason = serializers.CharField(max_length=2000)


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class EmptyInput(serializers.Serializer):
    pass


class AssignInput(serializers.Serializer):
    assignee = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False)


class ReclassifyInput(serializers.Serializer):
    classification = serializers.ChoiceField(choices=Classification.choices)
    reason = serializers.CharField(max_length=2000)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    file = serializers.FileField(write_only=True)
    is_public = serializers.BooleanField(default=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
