from django.contrib import admin

from tickets.models import (
    Attachment,
    CategoryRoute,
    Customer,
    InboundEmail,
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
    list_display = ["name"]
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
