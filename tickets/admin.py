from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from tickets import selectors
from tickets.models import (
    Attachment,
    CategoryRoute,
    Customer,
    InboundEmail,
    Incident,
    IncidentUpdate,
    Macro,
    Region,
    Service,
    Team,
    Ticket,
    TicketMessage,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone"]
    search_fields = ["code", "name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "tier", "region"]
    list_filter = ["tier", "region"]
    search_fields = ["name", "email", "phone"]
    list_select_related = ["region"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "customer", "region", "status", "billing_status", "overdue_amount"]
    list_filter = ["kind", "status", "billing_status", "region"]
    search_fields = ["reference", "customer__name"]
    list_select_related = ["customer", "region"]
    raw_id_fields = ["customer"]


class CategoryRouteInline(admin.TabularInline):
    model = CategoryRoute
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    list_select_related = ["region"]
    filter_horizontal = ["members"]
    inlines = [CategoryRouteInline]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change only through the flow (console or API), so history stays whole."""

    list_display = [
        "number",
        "customer",
        "category",
        "classification",
        "stage",
        "reported_at",
        "escalation_level",
    ]
    list_filter = ["stage", "classification", "category", "channel"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketMessage)
class TicketMessageAdmin(TicketAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "author"]


@admin.register(Attachment)
class AttachmentAdmin(TicketAdmin):
    list_display = ["ticket", "original_name", "content_type", "size", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["ticket__number", "original_name"]
    list_select_related = ["ticket"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """What became of each email read from the complaints mailbox. A record, never edited here."""

    list_display = ["received_at", "sender", "subject", "outcome", "ticket", "reason"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    raw_id_fields = ["ticket"]
    list_select_related = ["ticket"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class IncidentUpdateInline(admin.TabularInline):
    """The public updates, read-only: an update is posted from the console or the API, which owe it to
    every linked customer and subscriber (tickets.services.incidents); one written here would reach
    nobody. Updates are append-only (a database trigger refuses changes)."""

    model = IncidentUpdate
    extra = 0
    fields = ["posted_at", "body_id", "body_en", "expected_restoration_at", "posted_by"]
    readonly_fields = ["posted_at", "body_id", "body_en", "expected_restoration_at", "posted_by"]
    ordering = ["posted_at", "id"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see the incident sees its public updates.
        return bool(
            request.user.has_perm("tickets.view_incident") or request.user.has_perm("tickets.change_incident")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Mass incidents (SPEC §10). Declared and changed here by those who may in the console and the API
    (supervisors and the network operations team, holding the model's permissions too) while open;
    resolving needs its RCA and moves every linked ticket, so it is done from the console or the API,
    never here. Never deleted: its tickets and history point at it."""

    list_display = ["id", "title", "started_at", "expected_restoration_at", "resolved_at", "escalation_level"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "regions"]
    search_fields = ["title", "details_id", "details_en"]
    filter_horizontal = ["regions"]
    inlines = [IncidentUpdateInline]
    fields = [
        "title",
        "details_id",
        "details_en",
        "regions",
        "service_kinds",
        "started_at",
        "expected_restoration_at",
        "declared_by",
        "resolved_at",
        "tickets_resolved_at",
        "rca",
        "escalation_level",
        "breached_at",
        "breach_trigger",
        "breach_classification",
    ]
    readonly_fields = [
        "declared_by",
        "resolved_at",
        "tickets_resolved_at",
        "rca",
        "escalation_level",
        "breached_at",
        "breach_trigger",
        "breach_classification",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and selectors.can_manage_incidents(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj) and selectors.can_manage_incidents(request.user)
        return allowed and (obj is None or obj.is_open)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Incident, form: Any, change: bool) -> None:
        if not change:
            obj.declared_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Canned replies, as on the console's page (console:macros): deactivated, never deleted."""

    list_display = ["title", "category", "language", "is_active", "changed_by", "changed_at"]
    list_filter = ["is_active", "language", "category"]
    search_fields = ["title", "body"]
    list_select_related = ["changed_by"]
    readonly_fields = ["changed_by", "changed_at", "created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Macro, form: Any, change: bool) -> None:
        # Who changed it and when, as the console's service records them.
        obj.changed_by = request.user  # type: ignore[assignment]
        obj.changed_at = timezone.now()
        super().save_model(request, obj, form, change)
