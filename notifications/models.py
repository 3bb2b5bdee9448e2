"""The outbox (STYLE: side effects after commit): every message the desk owes a person — a member of
staff by email and in the console's inbox, a customer by email — is a row written in the same
transaction as the change that owes it, then sent by a worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.zones import head_office_zone_name

# Whether an inbox entry has been read, as the inbox's index and its queries spell it.
IS_READ = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("In-app inbox")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    """What the provider last said of a message (WhatsApp's status webhooks); blank: not sent yet."""

    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message owed to one person on one channel, written in the same transaction as the change that
    owes it: the outbox. `sent_at` is recorded before the send is considered done, so a retried task
    never sends twice; unsent rows are swept again by beat. Written only through `notifications.outbox`.

    The message is rendered when it is sent (or, in the inbox, when it is read), in the recipient's
    `language`, with every time in the recipient's `time_zone`."""

    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,  # the inbox index starts with the recipient
    )
    email = models.EmailField(_("email"), blank=True, default="")
    # The customer's number (E.164) for WhatsApp and SMS; kept with the email for the fallback.
    # db_default on the columns the channels added: the outbox's set-based inserts need not name them.
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="", db_default="")
    language = models.CharField(max_length=8, default="id")
    time_zone = models.CharField(_("time zone"), max_length=64, default=head_office_zone_name)
    template = models.CharField(_("template"), max_length=64)
    context = models.JSONField(default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Unique through a constraint (`unique=True` would add a LIKE index nobody uses).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL: no key)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A worker claims a row before sending; a claim older than the lease is taken to have died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The provider's id of the sent message (a WhatsApp "wamid."), by which its status webhooks find it.
    provider_message_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL: none)
    delivery_status = models.CharField(
        _("delivery status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        blank=True,
        default="",
        db_default="",
    )
    delivery_status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["created_at"], name="notification_unsent", condition=Q(sent_at=None)),
            # A person's inbox, unread first, newest first (notifications.selectors), read a page at a time
            # however many entries years of digests leave.
            models.Index(
                F("recipient"),
                F("channel"),
                IS_READ,
                F("created_at").desc(),
                F("id").desc(),
                name="notification_inbox_page",
            ),
            # The navigation's unread badge, on every page (notifications.selectors.inbox_unread_count):
            # only the unread ones, so that counting them up to the cap reads nothing else. With only the
            # index above, whose "read" column is an expression the planner cannot match to `read_at IS
            # NULL`, it read every entry of the person's inbox, or at 55,000 notifications chose to
            # read the table instead (a supervisor's badge: 9.6 ms of a request, 0.5 ms with this index;
            # bench/README).
            models.Index(
                fields=["recipient", "channel"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key"),
            models.UniqueConstraint(fields=["provider_message_id"], name="notification_provider_message"),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email="") | ~Q(phone=""),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient_id or self.email or self.phone}"
