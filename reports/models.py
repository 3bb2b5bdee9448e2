"""Corrective and preventive action (SPEC §8), satisfaction (SPEC §9) and the monthly recap snapshots."""

from __future__ import annotations

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
