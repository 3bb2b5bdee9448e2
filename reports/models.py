"""Corrective and preventive action (SPEC §8), satisfaction (SPEC §9) and the monthly recap snapshots."""

from __future__ import annotations

from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RootCauseCategory(models.Model):
    """A kind of root cause (fiber cut, power failure, billing system error, ...), editable in the admin;
    the monthly recap ranks them."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("root-cause category")
        verbose_name_plural = _("root-cause categories")

    def __str__(self) -> str:
        return self.name


# SOP §8 keeps every record: RCAs and CAPA reports and actions are never deleted (the database refuses)
# and every change leaves an append-only history row (who, when, by which path: pghistory's context).
@pghistory.track(
    pghistory.InsertEvent("written"),
    pghistory.UpdateEvent("revised"),
    exclude=["updated_at"],
    model_name="RootCauseAnalysisHistory",
    append_only=True,
)
class RootCauseAnalysis(models.Model):
    """The Root Cause Analysis every resolved complaint has (SOP §7). One RCA can cover many tickets of
    the same incident (they point at it)."""

    problem_statement = models.TextField(_("problem statement"))
    category = models.ForeignKey(
        RootCauseCategory,
        verbose_name=_("root-cause category"),
        on_delete=models.PROTECT,
        related_name="analyses",
    )
    analysis = models.TextField(_("analysis"))
    temporary_fix = models.TextField(_("temporary fix"))
    permanent_fix = models.TextField(_("permanent fix"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("root cause analysis")
        verbose_name_plural = _("root cause analyses")
        # The list pages and the API read the newest first: a page is the first rows of this index.
        indexes = [models.Index(fields=["created_at", "id"], name="rca_created")]
        triggers = [pgtrigger.Protect(name="rca_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"RCA-{self.pk}: {self.problem_statement[:60]}"


class SatisfactionRating(models.Model):
    """The customer's rating of a confirmed ticket: CSAT 1–5 and NPS 0–10 (SPEC §9). One per ticket."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="rating")
    csat = models.PositiveSmallIntegerField(
        _("CSAT"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("NPS"), validators=[MinValueValidator(0), MaxValueValidator(10)], null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, default="")
    via = models.CharField(_("captured by"), max_length=16, default="portal")
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(condition=Q(csat__gte=1, csat__lte=5), name="rating_csat_1_to_5"),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10), name="rating_nps_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: CSAT {self.csat}"


# --- CAPA (SPEC §8) --------------------------------------------------------------------------------------


class CapaReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@pghistory.track(
    pghistory.InsertEvent("written"),
    pghistory.UpdateEvent("revised"),
    exclude=["updated_at"],
    model_name="CapaReportHistory",
    append_only=True,
)
class CapaReport(models.Model):
    """The technical team's Corrective And Preventive Action report (SOP §7): what will be done so that
    the root cause of an incident is removed (corrective) and does not come back (preventive). Usually
    written for one RCA; the actions are its rows."""

    title = models.CharField(_("title"), max_length=200)
    rca = models.ForeignKey(
        RootCauseAnalysis,
        verbose_name=_("root cause analysis"),
        on_delete=models.PROTECT,
        related_name="capa_reports",
        null=True,
        blank=True,
    )
    summary = models.TextField(_("summary"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    # A report is never deleted: it is closed when its actions are done (or cancelled), or withdrawn
    # (written by mistake, superseded), each with the reason and who decided.
    status = models.CharField(
        _("status"), max_length=16, choices=CapaReportStatus.choices, default=CapaReportStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    close_reason = models.TextField(_("reason for closing"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CAPA report")
        verbose_name_plural = _("CAPA reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False) & ~Q(close_reason="")),
                name="capa_report_closed_with_a_reason",
            ),
        ]
        triggers = [pgtrigger.Protect(name="capa_report_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"CAPA-{self.pk}: {self.title}"


class CapaKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Preventive")


class CapaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Actions still owed: these can be overdue and are reminded.
CAPA_PENDING_STATUSES = (CapaStatus.OPEN, CapaStatus.IN_PROGRESS)


@pghistory.track(
    pghistory.InsertEvent("written"),
    pghistory.UpdateEvent("revised"),
    # The reminder sweep's daily claim is bookkeeping, not a change of the action.
    exclude=["updated_at", "last_reminded_on"],
    model_name="CapaActionHistory",
    append_only=True,
)
class CapaAction(models.Model):
    """One corrective or preventive action of a CAPA report: who owns it, by when, how far it is, and
    the check that it worked. "Done" and "verified" are different facts: an action is done when its owner
    says so, verified when someone checked afterwards that the problem is really gone."""

    report = models.ForeignKey(
        CapaReport, verbose_name=_("CAPA report"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CapaKind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="capa_actions",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=CapaStatus.choices, default=CapaStatus.OPEN)
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True, default="")
    # The Jakarta date of the last overdue reminder: the reminder sweep claims an action for a day by
    # moving this forward in one UPDATE, so two sweeps on the same day cannot both remind.
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("CAPA action")
        verbose_name_plural = _("CAPA actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(verified=False) | Q(status="done", verified_at__isnull=False),
                name="capa_action_verified_only_when_done",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"],
                name="capa_action_pending_due",
                condition=Q(status__in=["open", "in_progress"]),
            ),
        ]
        triggers = [pgtrigger.Protect(name="capa_action_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


# --- Customer Satisfaction Index surveys (SPEC §9) --------------------------------------------------------


class SurveyCampaign(models.Model):
    """One run of the Customer Satisfaction Index survey (at least twice a year, SPEC §9): the customers
    whose tickets were closed in the period are invited to answer until `closes_at`."""

    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Inclusive"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Kept by reports.services.surveys as invitations are sent and answered, so that the campaigns' page
    # does not count and average every invitation of every campaign on each request (a campaign of a
    # year's customers invites a hundred thousand).
    invited_count = models.PositiveIntegerField(_("invited"), default=0, db_default=0, editable=False)
    answered_count = models.PositiveIntegerField(_("answered"), default=0, db_default=0, editable=False)
    # The sums of each question's scores over the answers (the means are these over answered_count).
    total_overall = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    total_speed = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    total_quality = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    total_communication = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("CSI survey campaign")
        verbose_name_plural = _("CSI survey campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"], name="survey_campaign_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="survey_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The fixed questions of the CSI survey, each answered 1 (very dissatisfied) to 5 (very satisfied).
CSI_QUESTIONS = {
    "overall": _("Overall, how satisfied are you with our complaint handling?"),
    "speed": _("How satisfied are you with how quickly we responded and resolved it?"),
    "quality": _("How satisfied are you with the quality of the fix?"),
    "communication": _("How satisfied are you with how we kept you informed?"),
}


def _score_field(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyInvitation(models.Model):
    """One customer's invitation to a CSI campaign, reached through a secret link (`token`), answered
    at most once. Its CSI is the mean of its four scores."""

    campaign = models.ForeignKey(
        SurveyCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        "tickets.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("email"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score_overall = _score_field(_("overall"))
    score_speed = _score_field(_("speed"))
    score_quality = _score_field(_("quality"))
    score_communication = _score_field(_("communication"))
    comment = models.TextField(_("comment"), blank=True, default="")

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = _("CSI survey invitation")
        verbose_name_plural = _("CSI survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="survey_invitation_once_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | Q(
                    score_overall__range=(1, 5),
                    score_speed__range=(1, 5),
                    score_quality__range=(1, 5),
                    score_communication__range=(1, 5),
                ),
                name="survey_answer_has_every_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.customer_id}"


# --- The monthly recap (SPEC §9) ---------------------------------------------------------------------------


class MonthlyReport(models.Model):
    """The monthly recap for management as an unchanging snapshot: its figures are computed once, after
    the month ends, and stored in `data`; every view and download (JSON, CSV, XLSX, PDF) reads them from
    here and never recomputes. Only an explicit rebuild (`monthly_report_build(rebuild=True)`,
    `manage.py monthly_report`) replaces them. The figures' definitions are in `reports.recap`."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month"))
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    data = models.JSONField(_("figures"))
    # Set (committed) before the report is mailed to management, so a retried task never mails twice.
    emailed_at = models.DateTimeField(_("sent to management at"), null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_report_first_of_month"),
        ]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


# --- The managers' dashboard (SPEC §9) ---------------------------------------------------------------------


class DashboardFigures(models.Model):
    """The figures of the managers' dashboard and overview as of one moment (`as_of`), so that a request
    reads one row instead of counting tens of thousands of tickets: per Jakarta day of the last
    `reports.selectors.DASHBOARD_DAYS` (`days`: tickets reported, first resolved and closed, deadlines
    met and missed, escalations raised per level and those not acknowledged, ratings) and the open
    backlog then (`backlog`). Derived data, never edited: rebuilt from the tickets by beat every minute
    (`reports.tasks.dashboard_figures_refresh`), by `manage.py dashboard_figures`, and by the first read
    that finds it older than `reports.selectors.DASHBOARD_MAX_AGE`. One row, `key` "overview"."""

    key = models.CharField(_("key"), max_length=20, primary_key=True)
    as_of = models.DateTimeField(_("figures as of"))
    days = models.JSONField(_("figures per day"))
    backlog = models.JSONField(_("open backlog"))

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")

    def __str__(self) -> str:
        return f"{self.key} @ {self.as_of.isoformat()}"
