"""The outbox's senders for WhatsApp and SMS (settings.NOTIFICATION_SENDERS): each takes an owed
notification with its rendered subject and body and returns the provider's id of the message."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from messaging import providers
from messaging.models import Provider
from messaging.services import last_inbound_at
from notifications.models import Notification

# WhatsApp lets a business write freely for 24 hours after the customer's last message; after that only
# an approved template may open the conversation again.
SERVICE_WINDOW = dt.timedelta(hours=24)


def send_whatsapp(notification: Notification, subject: str, body: str) -> str:
    """A text within the service window, else the configured template with the ticket's number."""
    last = last_inbound_at(provider=Provider.WHATSAPP, sender=notification.phone)
    to = notification.phone.lstrip("+")
    if last is not None and timezone.now() - last < SERVICE_WINDOW:
        return providers.whatsapp_send(
            {"to": to, "type": "text", "text": {"preview_url": False, "body": f"{subject}\n\n{body}"[:4096]}}
        )
    config = settings.CHANNELS
    number = str(notification.context.get("number") or "")
    return providers.whatsapp_send(
        {
            "to": to,
            "type": "template",
            "template": {
                "name": config["WHATSAPP_TEMPLATE"],
                "language": {"code": config["WHATSAPP_TEMPLATE_LANGUAGE"]},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": number}]}],
            },
        }
    )


def send_sms(notification: Notification, subject: str, body: str) -> str:
    return providers.sms_send(
        to=notification.phone, text=f"{subject}\n{body}"[:1530], reference=f"notification-{notification.pk}"
    )
