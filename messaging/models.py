"""What came in by a messaging channel (WhatsApp, Instagram, Facebook, the generic signed endpoint)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import InboundOutcome  # the same outcomes as an inbound email's


class Provider(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")
    GENERIC = "generic", _("Other channel")


class MediaStatus(models.TextChoices):
    NONE = "", _("No media")
    PENDING = "pending", _("To be downloaded")
    ATTACHED = "attached", _("Attached")
    REFUSED = "refused", _("Not accepted")


class InboundMessage(models.Model):
    """One message a customer sent the desk on a messaging channel, recorded once by the provider's id
    of it (a webhook delivered twice does nothing the second time), with what became of it: a new
    complaint, a message on the customer's open ticket, or ignored (an echo, a machine's message)."""

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200)
    # The sender as the desk finds them again: a phone number (E.164) or a handle ("instagram:1784…").
    sender = models.CharField(_("sender"), max_length=120)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True, default="")
    text = models.TextField(_("text"), blank=True, default="")
    is_public = models.BooleanField(_("posted in public"), default=False)
    media_id = models.CharField(max_length=200, blank=True, default="")
    media_type = models.CharField(max_length=100, blank=True, default="")
    media_status = models.CharField(
        _("media"), max_length=16, choices=MediaStatus.choices, blank=True, default=MediaStatus.NONE
    )
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=InboundOutcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        db_index=False,  # the partial index below
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_message_once")
        ]
        indexes = [
            models.Index(
                fields=["ticket"], name="inbound_message_ticket", condition=models.Q(ticket__isnull=False)
            ),
            # The WhatsApp service window: the sender's last message.
            models.Index(fields=["provider", "sender", "received_at"], name="inbound_message_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_message_id} ({self.outcome})"
