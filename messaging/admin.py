from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from messaging.models import InboundMessage
from notifications.services import channel_enabled


def channel_states() -> list[tuple[str, bool]]:
    """Each channel's name and whether it is on (its credentials set in the environment)."""
    config = settings.CHANNELS
    return [
        (_("WhatsApp (incoming)"), bool(config["WHATSAPP_APP_SECRET"])),
        (_("WhatsApp (outgoing)"), channel_enabled("whatsapp")),
        (_("Instagram and Facebook"), bool(config["META_APP_SECRET"])),
        (_("SMS (outgoing)"), channel_enabled("sms")),
        (_("Other channels (signed JSON)"), bool(config["CHANNEL_WEBHOOK_SECRET"])),
    ]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "sender", "outcome", "ticket", "is_public", "media_status"]
    list_filter = ["provider", "outcome", "is_public", "media_status"]
    search_fields = ["provider_message_id", "sender"]
    raw_id_fields = ["ticket"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        off = [name for name, on in channel_states() if not on]
        if off:
            messages.warning(
                request,
                _("Off (not configured in the environment): %(channels)s.") % {"channels": ", ".join(off)},
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
