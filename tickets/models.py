"""Tickets and the reference data they stand on: regions, customers, service subscriptions, teams.

The six-stage flow (SPEC §5) is the table `ACTIONS` below: which action moves a ticket from which stages
to which stage, and which roles may take it. `tickets.services.ticket_act` is the only code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.fields import ChoiceLabels
from helpdesk.lib.roles import Role
from helpdesk.lib.sql import window

# The shared vocabulary lives below every app (helpdesk.lib.vocabulary); it is re-exported here, where
# callers have always found it.
from helpdesk.lib.vocabulary import (
    NO_RUNNING_CLOCK,
    OPEN_STAGES,
    RUNNING_SLA_STATES,
    Classification,
    CustomerTier,
    SlaState,
    Stage,
)
from helpdesk.lib.zones import head_office_zone_name, validate_time_zone
from sla.config import ConfigManager


class Region(models.Model):
    """An operating region of the operator. Its time zone (WIB, WITA or WIT) is the one the SLA clocks
    of services in the region run in."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("IANA name, e.g. Asia/Jayapura"),
    )

    # Its zone is part of the SLA configuration every process memoises (sla.config).
    objects = ConfigManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# What TicketSearch holds for a ticket `t` whose customer's email is `email`: its description, the
# contact email given with it unless it is the customer's own, and the contact phone. The customer's own
# email is matched on the customer (the customers arm of tickets.selectors.ticket_search_q), so copying
# it onto each of their tickets found nothing more; and as every ticket's text then held its customer's
# name spelt in an email, the trigram index answered a search for a common name by walking the postings
# of every ticket of every customer of that name (at 1,000,000 tickets the matching ids' statement took
# 20.4 ms of a request, 5.3 ms without: bench/README). Written once here, for both triggers and the
# generator; migration 0027 rewrote the texts written before.
SEARCH_TEXT_SQL = """concat_ws(' ', {t}.description,
        CASE WHEN {t}.contact_email <> '' AND lower({t}.contact_email) = lower({email})
            THEN NULL ELSE {t}.contact_email END,
        {t}.contact_phone)"""

# The body of the trigger that keeps TicketSearch in step with its ticket. A save that rewrites the
# columns unchanged (the ORM sets them all) leaves the search row alone.
SEARCH_TEXT_FUNC = """
    IF TG_OP = 'UPDATE' AND ROW(NEW.description, NEW.contact_email, NEW.contact_phone, NEW.customer_id)
            IS NOT DISTINCT FROM ROW(OLD.description, OLD.contact_email, OLD.contact_phone, OLD.customer_id)
            THEN
        RETURN NULL;
    END IF;
    INSERT INTO tickets_ticketsearch (ticket_id, text)
    VALUES (NEW.id, {text})
    ON CONFLICT (ticket_id) DO UPDATE SET text = EXCLUDED.text;
    RETURN NULL;
""".replace(
    "{text}",
    SEARCH_TEXT_SQL.format(t="NEW", email="(SELECT email FROM tickets_customer WHERE id = NEW.customer_id)"),
)

# The body of the trigger on customers: a new email changes what their tickets' texts leave out (the
# one that was theirs is now a contact email like any other, and is copied).
CUSTOMER_EMAIL_SEARCH_TEXT_FUNC = """
    IF NEW.email IS NOT DISTINCT FROM OLD.email THEN
        RETURN NULL;
    END IF;
    UPDATE tickets_ticketsearch AS s SET text = {text}
    FROM tickets_ticket AS t
    WHERE t.customer_id = NEW.id AND s.ticket_id = t.id;
    RETURN NULL;
""".replace("{text}", SEARCH_TEXT_SQL.format(t="t", email="NEW.email"))


class Customer(ChoiceLabels, models.Model):
    """A subscriber of the operator's services. Found again by email or phone (stored normalised)."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True, help_text=_("E.164"))
    # Who the customer is on a social network that shows neither email nor phone ("instagram:1784…").
    # db_default as well: rows written by set-based SQL (imports, the benches' generator) need not name it.
    handle = models.CharField(
        _("social media handle"), max_length=120, blank=True, db_index=True, default="", db_default=""
    )
    # Where the desk writes to the customer; blank: the channel of the complaint (WhatsApp, SMS), else email.
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=16,
        blank=True,
        default="",
        db_default="",
        choices=[("email", _("Email")), ("whatsapp", _("WhatsApp")), ("sms", _("SMS"))],
    )
    tier = models.CharField(
        _("tier"), max_length=16, choices=CustomerTier.choices, default=CustomerTier.REGULAR
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | ~Q(handle=""), name="customer_has_contact"
            ),
        ]
        triggers = [
            # Their tickets' search texts leave out the customer's own email (SEARCH_TEXT_SQL).
            pgtrigger.Trigger(
                name="ticket_search_email",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("email"),
                func=CUSTOMER_EMAIL_SEARCH_TEXT_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    DEDICATED_INTERNET = "dedicated_internet", _("Dedicated Internet Access")
    BROADBAND = "broadband", _("Broadband")
    VPN = "vpn", _("VPN")
    FIBER = "fiber", _("Fiber Optic")
    TOWER = "tower", _("Tower")
    WIRELESS = "wireless", _("Wireless Network")
    CLOUD_HOSTING = "cloud_hosting", _("Cloud Hosting")
    UNIFIED_COMMUNICATIONS = "unified_communications", _("Unified Communications")
    IOT = "iot", _("IoT")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    OUTAGE = "outage", _("In outage")


class BillingStatus(models.TextChoices):
    PAID = "paid", _("Paid up")
    OVERDUE = "overdue", _("Overdue")


class Service(ChoiceLabels, models.Model):
    """One service subscription of a customer (SPEC §2): what the complaint is about, where it runs,
    whether it works and whether it is paid for."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="services"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ServiceKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="services"
    )
    reference = models.CharField(
        _("reference"), max_length=64, unique=True, help_text=_("Circuit or account id")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    billing_status = models.CharField(
        _("billing standing"), max_length=16, choices=BillingStatus.choices, default=BillingStatus.PAID
    )
    overdue_amount = models.DecimalField(
        _("overdue amount"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["reference"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(condition=Q(overdue_amount__gte=0), name="service_overdue_not_negative"),
            models.CheckConstraint(
                condition=Q(billing_status="overdue") | Q(overdue_amount=0),
                name="service_paid_has_no_overdue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"


class Category(models.TextChoices):
    NETWORK = "network", _("Network")
    BILLING = "billing", _("Billing")
    ACCOUNT = "account", _("Account")
    SERVICE = "service", _("Service")


# The seeded teams' names in the reader's language (the stored name stays the key; a team added later
# shows its name as typed).
TEAM_LABELS = {
    "Customer Care": _("Customer Care"),
    "Network Operation": _("Network Operation"),
    "Billing & Account": _("Billing & Account"),
    "Customer Experience": _("Customer Experience"),
}


class Team(models.Model):
    """A department that works tickets: Customer Care, Network Operation, Billing & Account,
    Customer Experience. Technicians are members of the teams whose tickets they resolve."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="helpdesk_teams", blank=True
    )
    # Where the team sits: its members read times in this region's zone unless they choose another
    # (console.preferences). Optional: a team spread over the country has none (the head office's zone).
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.SET_NULL,
        related_name="teams",
        null=True,
        blank=True,
        help_text=_("Its members see times in this region's zone unless they choose another."),
    )

    # Which team takes new complaints is read on every one (sla.config memoises it).
    objects = ConfigManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The team's name as the reader says it."""
        return str(TEAM_LABELS.get(self.name, self.name))


class CategoryRoute(models.Model):
    """Which team a complaint category is dispatched to (SPEC §5 stage 3): one team per category."""

    category = models.CharField(_("category"), max_length=16, choices=Category.choices, unique=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="routes")

    class Meta:
        ordering = ["category"]
        verbose_name = _("category route")
        verbose_name_plural = _("category routes")

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.team}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Customer portal")
    WALK_IN = "walk_in", _("Walk-in")
    SOCIAL = "social", _("Social media")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class CloseReason(models.TextChoices):
    CONFIRMED = "confirmed", _("Customer confirmed the fix")
    NO_RESPONSE = "no_response", _("Customer did not answer the confirmation")
    DUPLICATE = "duplicate", _("Duplicate complaint")
    INVALID = "invalid", _("Invalid complaint")


class Action(models.TextChoices):
    """Everything a person can do to a ticket through `ticket_act`."""

    RESPOND = "respond", _("Reply to the customer")
    NOTE = "note", _("Add an internal note")
    VERIFY = "verify", _("Verify")
    DISPATCH = "dispatch", _("Dispatch")
    RESOLVE = "resolve", _("Resolve")
    CONFIRM = "confirm", _("Confirm the fix")
    REJECT = "reject", _("Reject the fix")
    CLOSE = "close", _("Close")
    ESCALATE = "escalate", _("Escalate")
    PAUSE = "pause", _("Wait for the customer")
    RESUME = "resume", _("Stop waiting for the customer")
    ASSIGN = "assign", _("Assign")
    RECLASSIFY = "reclassify", _("Change the classification")
    LINK_INCIDENT = "link_incident", _("Link to an incident")
    UNLINK_INCIDENT = "unlink_incident", _("Take out of its incident")


@dataclass(frozen=True)
class ActionRule:
    """One row of the flow table: from which stages an action may be taken, where it leads (None: the
    stage does not change), and which roles may take it. `team_only` roles may take it only on tickets
    of a team they belong to. `needs_paused` is True/False when the action requires the ticket to be
    paused / not paused, None when it does not care."""

    sources: frozenset[Stage]
    target: Stage | None
    roles: frozenset[Role]
    team_only: frozenset[Role] = frozenset()
    needs_paused: bool | None = False


_ALL_BUT_CLOSED = frozenset(Stage) - {Stage.CLOSED}
_WORKING = frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR, Role.TECHNICIAN})
_LINKING = frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR})

# The flow table (SPEC §5). No stage can be skipped: each stage-changing action has exactly one source
# stage except `close`, whose extra sources are the documented early exits (duplicate/invalid complaints
# before resolution, a customer who never answers the confirmation).
ACTIONS: dict[Action, ActionRule] = {
    Action.VERIFY: ActionRule(
        frozenset({Stage.RECEIVED}), Stage.VERIFIED, frozenset({Role.SUPPORT, Role.SUPERVISOR})
    ),
    Action.DISPATCH: ActionRule(frozenset({Stage.VERIFIED}), Stage.DISPATCHED, frozenset({Role.SUPERVISOR})),
    Action.RESOLVE: ActionRule(
        frozenset({Stage.DISPATCHED}),
        Stage.RESOLVED,
        frozenset({Role.TECHNICIAN}),
        team_only=frozenset({Role.TECHNICIAN}),
    ),
    Action.CONFIRM: ActionRule(frozenset({Stage.RESOLVED}), Stage.CONFIRMED, frozenset({Role.AGENT})),
    # A rejected fix goes back to the technical team (stage 3) and starts the dissatisfaction escalation.
    Action.REJECT: ActionRule(frozenset({Stage.RESOLVED}), Stage.DISPATCHED, frozenset({Role.AGENT})),
    Action.CLOSE: ActionRule(
        frozenset({Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED, Stage.RESOLVED, Stage.CONFIRMED}),
        Stage.CLOSED,
        frozenset({Role.AGENT, Role.SUPERVISOR}),
        needs_paused=None,
    ),
    Action.RESPOND: ActionRule(
        _ALL_BUT_CLOSED, None, _WORKING, team_only=frozenset({Role.TECHNICIAN}), needs_paused=None
    ),
    Action.NOTE: ActionRule(
        frozenset(Stage),
        None,
        _WORKING | {Role.MANAGER, Role.DIRECTOR},
        team_only=frozenset({Role.TECHNICIAN}),
        needs_paused=None,
    ),
    Action.ESCALATE: ActionRule(
        frozenset({Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED, Stage.RESOLVED}),
        None,
        frozenset({Role.AGENT, Role.SUPERVISOR, Role.MANAGER}),
        needs_paused=None,
    ),
    Action.PAUSE: ActionRule(
        frozenset(OPEN_STAGES), None, _WORKING, team_only=frozenset({Role.TECHNICIAN}), needs_paused=False
    ),
    Action.RESUME: ActionRule(
        frozenset(OPEN_STAGES), None, _WORKING, team_only=frozenset({Role.TECHNICIAN}), needs_paused=True
    ),
    Action.ASSIGN: ActionRule(
        frozenset({Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED, Stage.RESOLVED}),
        None,
        frozenset({Role.SUPERVISOR}),
        needs_paused=None,
    ),
    Action.RECLASSIFY: ActionRule(
        frozenset({Stage.VERIFIED, Stage.DISPATCHED}),
        None,
        frozenset({Role.SUPPORT, Role.SUPERVISOR}),
        needs_paused=None,
    ),
    # SPEC §10: a complaint that belongs to a known mass incident is linked to it (by hand, or a queue
    # selection at once); only open complaints, since resolving the incident resolves its open tickets.
    Action.LINK_INCIDENT: ActionRule(
        frozenset(OPEN_STAGES),
        None,
        frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR}),
        needs_paused=None,
    ),
    Action.UNLINK_INCIDENT: ActionRule(
        frozenset(OPEN_STAGES),
        None,
        frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR}),
        needs_paused=None,
    ),
}

# Close reasons allowed from each stage.
CLOSE_REASONS_BY_STAGE: dict[Stage, frozenset[CloseReason]] = {
    Stage.RECEIVED: frozenset({CloseReason.DUPLICATE, CloseReason.INVALID}),
    Stage.VERIFIED: frozenset({CloseReason.DUPLICATE, CloseReason.INVALID}),
    Stage.DISPATCHED: frozenset({CloseReason.DUPLICATE, CloseReason.INVALID}),
    Stage.RESOLVED: frozenset({CloseReason.NO_RESPONSE}),
    Stage.CONFIRMED: frozenset({CloseReason.CONFIRMED}),
}

# The ticket fields whose every change is kept in the history (SPEC §4). The SLA bookkeeping columns that
# the watcher updates in bulk are left out on purpose: their facts (at risk, breached) are recorded as
# their own append-only rows in sla.SlaEvent, and one history row per ticket per sweep would only be noise.
HISTORY_FIELDS = [
    "number",
    "customer",
    "service",
    "category",
    "classification",
    "channel",
    "description",
    "incident_at",
    "reported_at",
    "stage",
    "paused",
    "team",
    "assignee",
    "first_response_due",
    "first_responded_at",
    "response_sla",
    "resolution_due",
    "resolution_sla",
    "stage_sla",
    "resolved_at",
    "confirmed_at",
    "closed_at",
    "close_reason",
    "duplicate_of",
    "rca",
    "incident",
    "service_status_checked",
    "billing_checked",
    "verified_service_status",
    "verified_billing_status",
    "rejection_count",
    "escalation_level",
    "public_exposure",
    "contact_email",
    "contact_phone",
]


@pghistory.track(
    pghistory.InsertEvent("declared"),
    pghistory.UpdateEvent("changed"),
    model_name="IncidentHistory",
    append_only=True,
)
class Incident(models.Model):
    """A known fault of the network or a platform (SPEC §10: a cut submarine cable, a backbone down) that
    many customers of some regions complain about at once. New complaints from those regions about
    those kinds of service are linked to it as they arrive; its public updates go to every linked
    customer and subscriber; its tickets escalate once, as the incident; resolving it (with its RCA)
    resolves every linked open ticket."""

    title = models.CharField(_("title"), max_length=200)
    details_id = models.TextField(_("public details (Indonesian)"))
    details_en = models.TextField(_("public details (English)"), blank=True, default="")
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="incidents")
    # The kinds of service affected; empty: every kind.
    service_kinds = ArrayField(
        models.CharField(max_length=32, choices=ServiceKind.choices),
        verbose_name=_("kinds of service"),
        blank=True,
        default=list,
    )
    started_at = models.DateTimeField(_("started at"))
    expected_restoration_at = models.DateTimeField(_("expected restoration"), null=True, blank=True)
    # Set when the incident is declared resolved (with its RCA); the linked tickets then follow in batches,
    # and `tickets_resolved_at` records when the last of them was moved.
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    tickets_resolved_at = models.DateTimeField(_("linked tickets resolved at"), null=True, blank=True)
    rca = models.ForeignKey(
        "reports.RootCauseAnalysis",
        verbose_name=_("root cause analysis"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # When the first of its tickets breached a target, which target, and the most severe classification
    # among the breached ones: the escalation ladder of the incident climbs from these (escalation.sweep),
    # once for all its tickets.
    breached_at = models.DateTimeField(_("first breach"), null=True, blank=True)
    breach_trigger = models.CharField(_("first breach of"), max_length=24, blank=True, default="")
    breach_classification = models.CharField(
        _("most severe breached classification"),
        max_length=16,
        choices=Classification.choices,
        blank=True,
        default="",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    # Every new complaint looks for its open incident: sla.config memoises them.
    objects = ConfigManager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["started_at"], name="incident_open", condition=Q(resolved_at=None)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(rca__isnull=False), name="incident_resolved_has_rca"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=3), name="incident_escalation_level_0_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.pk}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@pgtrigger.register(
    pgtrigger.Protect(name="incident_update_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class IncidentUpdate(models.Model):
    """A public update of an incident (what is known, what is being done, when service should be back),
    owed to every linked customer and subscriber when posted. Written once, never changed."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="updates")
    body_id = models.TextField(_("update (Indonesian)"))
    body_en = models.TextField(_("update (English)"), blank=True, default="")
    expected_restoration_at = models.DateTimeField(_("expected restoration"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"))

    class Meta:
        ordering = ["posted_at", "id"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        indexes = [models.Index(fields=["incident", "posted_at"], name="incident_update_timeline")]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} @ {self.posted_at:%Y-%m-%d %H:%M}"


class IncidentSubscription(models.Model):
    """A customer who asked to be kept informed of an incident instead of filing a complaint (SPEC §10):
    cheaper than a ticket, and told every update, once per address."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="", help_text=_("E.164"))
    language = models.CharField(_("language"), max_length=8, default="id")
    time_zone = models.CharField(_("time zone"), max_length=64, default=head_office_zone_name)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("incident subscription")
        verbose_name_plural = _("incident subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""), name="incident_subscription_has_contact"
            ),
            models.UniqueConstraint(
                fields=["incident", "email"], condition=~Q(email=""), name="incident_subscription_email_once"
            ),
            models.UniqueConstraint(
                fields=["incident", "phone"], condition=~Q(phone=""), name="incident_subscription_phone_once"
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} → {self.email or self.phone}"


@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("changed"),
    # Actions that change no tracked field (a note, a reply after the first one) still leave a row.
    pghistory.ManualEvent("acted"),
    fields=HISTORY_FIELDS,
    model_name="TicketHistory",
    append_only=True,
)
class Ticket(ChoiceLabels, models.Model):
    """A customer complaint: the official record of SPEC §4, moving through the six stages of SPEC §5.

    `stage` changes only through `move_to`, called only by the transition in `tickets.services`.
    Deadlines and SLA states are stored on indexed columns so that queues and the SLA watcher never
    compute them per row.
    """

    # Unique through a constraint, not `unique=True`, which would add a second (LIKE) index nobody uses:
    # numbers are looked up exactly.
    number = models.CharField(_("ticket number"), max_length=9, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, blank=True, default=""
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    description = models.TextField(_("description"))
    incident_at = models.DateTimeField(_("incident time"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Not indexed: nothing looks tickets up by who logged them (deleting a user, which its protection
    # refuses anyway, scans once), and every index is written again each time the watcher marks a clock.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Changes only through `move_to`, called only by `tickets.services.ticket_act` under the row lock.
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RECEIVED)
    paused = models.BooleanField(_("waiting for the customer"), default=False)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    # No single-column indexes on team and assignee: the (team, stage) and (assignee, stage) indexes serve
    # them, and every index is written on each SLA mark (those updates cannot be HOT).
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        null=True,
        blank=True,
        db_index=False,
    )
    public_exposure = models.BooleanField(_("public exposure"), default=False)
    # The zone the complaint lives in (its service's region, else its customer's), decided once by
    # sla.selectors.time_zone_of when its clocks start: its deadlines are shown to the customer in it.
    time_zone = models.CharField(_("time zone"), max_length=64, default=head_office_zone_name)
    # The contact the complaint came with (normalised); the portal's tracking accepts it besides the
    # customer's email and phone on record.
    contact_email = models.EmailField(_("contact email"), blank=True, default="")
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, default="")

    # Verification (stage 2): both checks, and what they found.
    service_status_checked = models.BooleanField(default=False)
    billing_checked = models.BooleanField(default=False)
    verified_service_status = models.CharField(
        max_length=16, choices=ServiceStatus.choices, blank=True, default=""
    )
    verified_billing_status = models.CharField(
        max_length=16, choices=BillingStatus.choices, blank=True, default=""
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    # SLA (SPEC §6): computed by the sla module only, at creation, reclassification and the end of a pause.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_risk_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    response_sla = models.CharField(max_length=16, choices=SlaState.choices, default=SlaState.OK)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_risk_at = models.DateTimeField(null=True, blank=True)
    resolution_sla = models.CharField(max_length=16, choices=SlaState.choices, default=SlaState.OK)
    stage_due = models.DateTimeField(_("stage target"), null=True, blank=True)
    # ok until the watcher finds the current stage's target passed (then breached); reset on each stage.
    stage_sla = models.CharField(max_length=16, choices=SlaState.choices, default=SlaState.OK)

    # The nearest deadline of a running clock (NO_RUNNING_CLOCK when none runs), kept by the SLA services
    # whenever a clock starts, stops, pauses or moves: the queue's "most urgent first" walks an index on it.
    next_due = models.DateTimeField(_("next deadline"), default=NO_RUNNING_CLOCK)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    first_resolved_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(
        _("close reason"), max_length=16, choices=CloseReason.choices, blank=True, default=""
    )
    close_note = models.TextField(_("close note"), blank=True, default="")
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below: most tickets have none
    )
    rca = models.ForeignKey(
        "reports.RootCauseAnalysis",
        verbose_name=_("root cause analysis"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,  # partial index below: open tickets have none
    )
    # The mass incident this complaint is part of (SPEC §10), linked on arrival or by an agent.
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,  # partial index below: most tickets belong to none
    )
    rejection_count = models.PositiveSmallIntegerField(_("rejections"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="ticket_number_unique"),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=3), name="ticket_escalation_level_0_to_3"
            ),
            models.CheckConstraint(
                condition=Q(paused=False) | Q(paused_at__isnull=False), name="ticket_paused_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "reported_at"], name="ticket_stage_reported"),
            # The ticket page's panel of the customer's other tickets, newest first, five at a time.
            models.Index(fields=["customer", "-reported_at"], name="ticket_customer_recent"),
            # The queue's and the API's stage + category filter: its capped count reads this index alone
            # (an index-only range) instead of filtering every ticket of the stage on the table.
            models.Index(fields=["stage", "category"], name="ticket_stage_category"),
            # The API's ?classification, ?channel and ?escalation_level lists, newest first, and their
            # capped counts: a range of one value instead of a walk of every ticket (a tenth of them
            # critical, one in twenty by social media, a few in a hundred escalated: counting 10,001 of
            # them walked 100,000–1,000,000 rows). Escalation levels above 0 only: a new ticket writes
            # no entry there.
            models.Index(
                fields=["classification", "reported_at", "id"], name="ticket_classification_reported"
            ),
            models.Index(fields=["channel", "reported_at", "id"], name="ticket_channel_reported"),
            models.Index(
                fields=["escalation_level", "reported_at", "id"],
                name="ticket_escalated_reported",
                condition=Q(escalation_level__gt=0),
            ),
            models.Index(fields=["team", "stage"], name="ticket_team_stage"),
            # A technician's visibility (their teams' tickets or their own: helpdesk.lib.access) checked on
            # the index alone: the capped count of their list reads 10,001 entries of this small index
            # instead of scanning the table (an OR of two columns is no single range of any index).
            models.Index(fields=["team", "assignee"], name="ticket_team_assignee"),
            models.Index(fields=["assignee", "stage"], name="ticket_assignee_stage"),
            # Partial: a non-HOT update writes an entry only into the indexes whose condition the row meets.
            models.Index(fields=["rca"], name="ticket_rca", condition=Q(rca__isnull=False)),
            models.Index(
                fields=["incident", "stage"], name="ticket_incident", condition=Q(incident__isnull=False)
            ),
            models.Index(
                fields=["duplicate_of"], name="ticket_duplicate_of", condition=Q(duplicate_of__isnull=False)
            ),
            # The console's queue and the API's list (issue 15): what is not closed, walked in the order of
            # each sort and tab, so that a page is read from an index and stops at its last row.
            models.Index(
                fields=["next_due", "id"], name="ticket_open_next_due", condition=~Q(stage="closed")
            ),
            models.Index(
                fields=["team", "next_due", "id"],
                name="ticket_open_team_next_due",
                condition=~Q(stage="closed"),
            ),
            models.Index(
                fields=["assignee", "next_due", "id"],
                name="ticket_open_assignee_next_due",
                condition=~Q(stage="closed"),
            ),
            models.Index(
                fields=["reported_at", "id"], name="ticket_open_reported", condition=~Q(stage="closed")
            ),
            models.Index(
                fields=["resolution_due", "id"],
                name="ticket_open_resolution_due",
                condition=~Q(stage="closed"),
            ),
            models.Index(
                fields=["first_response_due", "id"],
                name="ticket_open_response_due",
                condition=~Q(stage="closed"),
            ),
            # The queue's role tabs and built-in views (console queue, issue "The queue"), each a partial
            # index walked in "most urgent first" order that stops at the page: the tickets of one open
            # stage (support's "awaiting verification", the "customer confirmed" view), those waiting for
            # the customer, and the unassigned ones whose clock the SLA watcher has marked at risk or
            # breached (the supervisors' landing tab).
            models.Index(
                fields=["stage", "next_due", "id"],
                name="ticket_open_stage_next_due",
                condition=~Q(stage="closed"),
            ),
            models.Index(
                fields=["next_due", "id"],
                name="ticket_waiting_next_due",
                condition=Q(paused=True) & ~Q(stage="closed"),
            ),
            # The Unassigned tab. PostgreSQL reckons open and unassigned a few hundred rows of a million
            # (most tickets are closed and were assigned), where there are thousands; without an index
            # of just those it read all of them and sorted them to keep 51 (a technician's tab, 10 ms at
            # 1,000,000 tickets against 0.2 ms walked).
            models.Index(
                fields=["next_due", "id"],
                name="ticket_unassigned_next_due",
                condition=Q(assignee__isnull=True) & ~Q(stage="closed"),
            ),
            models.Index(
                fields=["next_due", "id"],
                name="ticket_unassigned_at_risk",
                condition=Q(assignee__isnull=True, paused=False)
                & ~Q(stage="closed")
                & (
                    Q(response_sla__in=["at_risk", "breached"])
                    | Q(resolution_sla__in=["at_risk", "breached"])
                ),
            ),
            # The managers' daily and weekly figures (reports.selectors.overview, the daily charts): what
            # happened in a day, week or month, counted from the index of each moment.
            models.Index(fields=["first_response_due"], name="ticket_response_due"),
            models.Index(fields=["resolution_due"], name="ticket_resolution_due"),
            models.Index(
                fields=["first_resolved_at"],
                name="ticket_first_resolved",
                condition=Q(first_resolved_at__isnull=False),
            ),
            models.Index(fields=["closed_at"], name="ticket_closed", condition=Q(closed_at__isnull=False)),
            # The SLA watcher's sweeps: only running clocks, only tickets not paused. The deadline indexes
            # hold `next_due` too, for the queue's "Breached today" (tickets.selectors.breached_today_parts):
            # the tickets whose other clock is due today are found from the index entries alone.
            models.Index(
                fields=["first_response_risk_at"],
                name="ticket_response_risk_due",
                condition=Q(response_sla="ok", paused=False),
            ),
            models.Index(
                fields=["first_response_due", "next_due"],
                name="ticket_response_breach_due",
                condition=Q(response_sla__in=["ok", "at_risk"], paused=False),
            ),
            # The escalation sweep looks only at breached clocks: a small part of a large table.
            models.Index(
                fields=["first_response_due", "next_due"],
                name="ticket_response_escalate_due",
                condition=Q(response_sla="breached", paused=False),
            ),
            models.Index(
                fields=["resolution_due", "next_due"],
                name="ticket_resolution_escalate_due",
                condition=Q(resolution_sla="breached", paused=False),
            ),
            models.Index(
                fields=["resolution_risk_at"],
                name="ticket_resolution_risk_due",
                condition=Q(resolution_sla="ok", paused=False),
            ),
            models.Index(
                fields=["resolution_due", "next_due"],
                name="ticket_resolution_breach_due",
                condition=Q(resolution_sla__in=["ok", "at_risk"], paused=False),
            ),
            models.Index(
                fields=["stage_due"],
                name="ticket_stage_breach_due",
                condition=Q(stage_sla="ok", paused=False),
            ),
            # "At risk" (sla.selectors: past the risk instant, not yet due) is asked of the running clocks'
            # windows from risk to deadline: a GiST index finds the windows that hold now without walking
            # every open ticket whose deadline is still to come. The predicate is the at-risk condition's
            # own clauses (running, not paused, not breached), so that only that condition implies it:
            # the breached column and the sweeps keep their b-tree indexes. Beside them, the clocks the
            # watcher has marked at risk, for the arm of the condition that reads the stored state.
            *(
                index
                for risk, due, column in (
                    ("first_response_risk_at", "first_response_due", "response_sla"),
                    ("resolution_risk_at", "resolution_due", "resolution_sla"),
                )
                for index in (
                    GistIndex(
                        window(risk, due),
                        name=f"ticket_{column.removesuffix('_sla')}_risk_window",
                        condition=Q(**{f"{column}__in": list(RUNNING_SLA_STATES)}, paused=False)
                        & ~Q(stage="closed")
                        & ~Q(**{column: "breached"}),
                    ),
                    models.Index(
                        fields=[due],
                        name=f"ticket_{column.removesuffix('_sla')}_at_risk",
                        condition=Q(**{column: "at_risk"}) & ~Q(stage="closed"),
                    ),
                )
            ),
        ]
        triggers = [
            # TicketSearch follows the columns it copies, whatever writes the ticket (the ORM, a bulk
            # load, SQL). `UpdateOf`: the SLA watcher's updates, which set none of them, never call it.
            pgtrigger.Trigger(
                name="search_text",
                when=pgtrigger.After,
                operation=pgtrigger.Insert
                | pgtrigger.UpdateOf("description", "contact_email", "contact_phone", "customer_id"),
                func=SEARCH_TEXT_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # The only way the stage changes: called by tickets.services after it has checked ACTIONS.
    def move_to(self, target: Stage) -> None:
        """Set the new stage. The transition (`ticket_act`) has checked the move against `ACTIONS`
        and holds the row lock, so no second check or lock is needed here."""
        self.stage = target


class TicketSearch(models.Model):
    """What the queue's search matches a ticket's own words against: its description, contact email
    (unless it is the customer's own: SEARCH_TEXT_SQL) and phone, in one text with a trigram index
    (`tickets.migrations.0010_ticket_search`, where pg_trgm exists). Written only by the triggers on
    tickets and on customers' emails (`Ticket.Meta.triggers`, `Customer.Meta.triggers`).

    A side table, not an index on tickets: every update of a ticket that changes an indexed column (the
    SLA watcher marking a clock, each stage move) writes an entry into every index on the table again,
    and the trigrams of the whole description were the costliest of them. Here they are written when
    the text is, which is once."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search", verbose_name=_("ticket")
    )
    text = models.TextField(_("search text"))

    class Meta:
        verbose_name = _("ticket search text")
        verbose_name_plural = _("ticket search texts")

    def __str__(self) -> str:
        return str(self.ticket_id)


# How many queue views one person may keep (a list beside the tabs, not a second database).
SAVED_VIEWS_MAX = 30


class SavedQueueView(models.Model):
    """A set of the console queue's filters that one staff member saved under a name, to come back to
    with one click; theirs alone (nobody else sees, renames or deletes it). `query` is the queue's
    address query (tab, filters, sort), as the console wrote it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_queue_views",
        db_index=False,  # the unique (owner, name) constraint's index serves it
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved queue view")
        verbose_name_plural = _("saved queue views")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_once")]

    def __str__(self) -> str:
        return self.name


class InboundOutcome(models.TextChoices):
    CREATED = "created", _("New ticket")
    THREADED = "threaded", _("Added to its ticket")
    IGNORED = "ignored", _("Ignored")


class InboundEmail(models.Model):
    """One email read from the complaints mailbox (SPEC §3) and what became of it: a new ticket, a
    message on the ticket it answers, or nothing (an automatic reply, a bounce, no sender). Each message
    is handled once: `message_id` is unique, so reading the mailbox again changes nothing."""

    message_id = models.CharField(_("message ID"), max_length=255)
    sender = models.EmailField(_("sender"), blank=True, default="")
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=InboundOutcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below: ignored mail has none
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        constraints = [models.UniqueConstraint(fields=["message_id"], name="inbound_email_once")]
        indexes = [
            models.Index(fields=["ticket"], name="inbound_email_ticket", condition=Q(ticket__isnull=False))
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    CUSTOMER = "customer", _("Message from the customer")
    ACKNOWLEDGEMENT = "acknowledgement", _("Automatic acknowledgement")
    CONTACT = "contact", _("Logged contact")


class MessagePurpose(models.TextChoices):
    """What a message is for, beyond its kind. A system message (the acknowledgement) is rendered from
    its purpose and `params` in the reader's language when shown (tickets.messages); the resolution
    message is the agent's own text, marked so the portal can show it as "How we resolved it"."""

    NONE = "", _("Ordinary message")
    ACKNOWLEDGEMENT = "acknowledgement", _("Automatic acknowledgement")
    RESOLUTION = "resolution", _("How we resolved it")


PUBLIC_MESSAGE_KINDS = (
    MessageKind.REPLY,
    MessageKind.CUSTOMER,
    MessageKind.ACKNOWLEDGEMENT,
    MessageKind.CONTACT,
)


@pgtrigger.register(
    pgtrigger.Protect(name="message_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class TicketMessage(models.Model):
    """Something said on a ticket: a public reply, an internal note (never shown to the customer), a
    customer's message, or the automatic acknowledgement. Written once, never changed."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True, default="")
    body = models.TextField(_("text"))
    # db_default: rows written before these columns existed, and by set-based SQL, are ordinary messages
    # shown with their stored text.
    purpose = models.CharField(
        _("purpose"),
        max_length=24,
        choices=MessagePurpose.choices,
        blank=True,
        default="",
        db_default="",
    )
    params = models.JSONField(
        _("parameters"), default=dict, blank=True, db_default=models.Value({}, models.JSONField())
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_MESSAGE_KINDS

    @property
    def text(self) -> str:
        """The message as the reader sees it: a system message in the active language, else as stored."""
        from tickets.messages import message_text

        return message_text(self)


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{filename}"


@pgtrigger.register(
    pgtrigger.Protect(name="attachment_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class Attachment(models.Model):
    """A file attached to a ticket (a screenshot, an invoice), within the size and type limits."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class MacroLanguage(models.TextChoices):
    INDONESIAN = "id", _("Indonesian")
    ENGLISH = "en", _("English")


class Macro(models.Model):
    """A canned reply: a text agents insert into a reply to the customer, offered for one category of
    complaint (or every category) in one language. Kept by supervisors; deactivated, never deleted, so
    that who wrote what stays on record. Placeholders ({customer_name}, {ticket_number}, {agent_name}) are
    filled in when the text is offered on a ticket (tickets.selectors.macros_for_ticket)."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=4000)
    # Blank: offered for every category.
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, blank=True, default=""
    )
    language = models.CharField(
        _("language"), max_length=8, choices=MacroLanguage.choices, default=MacroLanguage.INDONESIAN
    )
    is_active = models.BooleanField(_("active"), default=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        indexes = [
            models.Index(fields=["language", "category"], name="macro_active", condition=Q(is_active=True))
        ]

    def __str__(self) -> str:
        return self.title
