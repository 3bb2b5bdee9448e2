"""Escalation (SPEC §7): the rules that raise a breached ticket level by level, and the record of each
escalation with who was told and who acknowledged it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.vocabulary import Classification, EscalationReason


class Level(models.IntegerChoices):
    SUPERVISOR = 1, _("Level 1 — Customer Care Supervisor")
    MANAGER = 2, _("Level 2 — Customer Service Manager")
    DIRECTOR = 3, _("Level 3 — Director of Network Operations")


# Re-exported: the reasons are shared vocabulary (the notifications say them too).
Reason = EscalationReason


class Trigger(models.TextChoices):
    RESPONSE_BREACH = "response_breach", _("First response target breached")
    RESOLUTION_BREACH = "resolution_breach", _("Resolution target breached")


class EscalationRule(models.Model):
    """When a breached ticket climbs to a level: for one classification and trigger, `delay_minutes`
    after the breach (0 = at the breach) it goes to `level`. Editable in the admin; defaults seeded."""

    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    delay_minutes = models.PositiveIntegerField(
        _("delay after the breach (minutes)"), validators=[MaxValueValidator(60 * 24 * 30)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["classification", "trigger", "level"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        constraints = [
            models.UniqueConstraint(fields=["classification", "trigger", "level"], name="one_rule_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.get_classification_display()} {self.get_trigger_display()} → {self.level}"


class Escalation(models.Model):
    """A ticket — or a mass incident, for all of its tickets at once — raised to a level for a reason:
    who was told, who acknowledged it and when. A ticket is escalated at most once per level and reason,
    an incident once per level (unique constraints), however many watchers run."""

    # Indexed by the unique constraint below, which starts with the ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="escalations",
        db_index=False,
        null=True,
        blank=True,
    )
    # An incident's escalation stands for every ticket linked to it (SPEC §10): they escalate once, as
    # the incident, not one by one.
    incident = models.ForeignKey(
        "tickets.Incident",
        on_delete=models.PROTECT,
        related_name="escalations",
        db_index=False,  # the partial unique constraint below starts with it
        null=True,
        blank=True,
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True, default="")
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below: the watcher's escalations have none
    )
    notified = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EscalationNotified",
        related_name="escalations_notified",
        blank=True,
        verbose_name=_("notified"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below: none until acknowledged
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "level", "reason"], name="escalation_once_per_level_reason"
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="escalation_level_1_to_3"),
            models.UniqueConstraint(
                fields=["incident", "level"],
                condition=Q(incident__isnull=False),
                name="escalation_once_per_incident_level",
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, incident__isnull=True)
                | Q(ticket__isnull=True, incident__isnull=False),
                name="escalation_of_a_ticket_or_an_incident",
            ),
        ]
        indexes = [
            models.Index(
                fields=["level", "raised_at"], name="escalation_open_queue", condition=Q(acknowledged_at=None)
            ),
            # The queue's other views, a page at a time (console.selectors.QUEUE_ORDERINGS).
            models.Index(fields=["level", "raised_at", "id"], name="escalation_level_raised"),
            models.Index(
                fields=["level", "acknowledged_at", "id"],
                name="escalation_acknowledged_queue",
                condition=Q(acknowledged_at__isnull=False),
            ),
            models.Index(
                fields=["raised_by"], name="escalation_raised_by", condition=Q(raised_by__isnull=False)
            ),
            models.Index(
                fields=["acknowledged_by"],
                name="escalation_acknowledged_by",
                condition=Q(acknowledged_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        subject = self.ticket_id if self.incident_id is None else f"INC-{self.incident_id}"
        return f"{subject} L{self.level} {self.reason}"


class EscalationNotified(models.Model):
    """One person an escalation notified (the "who was notified" of SPEC §7's record).

    Most rows are written in bulk by the SLA watcher (a level's whole group for each of thousands of
    tickets a mass outage breaches in one minute), from the escalations and active users it joins in the
    same statement; the others through `Escalation.notified`. PostgreSQL does not check the two foreign
    keys (`db_constraint=False`): the deferred check cost two lookups per row at commit (0.25 s of a
    5,000-breach batch in an experiment on bench/sla_sweep.py's data; see bench/README.md). Rows go
    with their escalation or person through Django's `on_delete`, as pghistory's tables do; neither is
    ever deleted in practice (both are protected by the tickets and history that refer to them)."""

    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the unique pair below starts with it
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta:
        # The table Django created for the former implicit many-to-many, kept with its unique pair.
        db_table = "escalation_escalation_notified"
        unique_together = [("escalation", "user")]
        verbose_name = _("person notified")
        verbose_name_plural = _("people notified")

    def __str__(self) -> str:
        return f"{self.escalation_id} → {self.user_id}"
