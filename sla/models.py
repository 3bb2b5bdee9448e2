"""SLA configuration and facts (SPEC §6): business calendars, policies per classification and tier,
stage targets, and the append-only record of tickets that went at risk or breached."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.vocabulary import Classification, CustomerTier, Stage
from helpdesk.lib.zones import validate_time_zone
from sla.config import ConfigManager


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """When the operator's back office works, in one time zone: weekly working hours, Indonesia's public
    holidays and cuti bersama (from the `holidays` package), and days the operator adds or removes.

    A calendar may belong to a region; a ticket's clock uses its region's calendar, or the default one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    region = models.OneToOneField(
        "tickets.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calendar",
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    use_national_holidays = models.BooleanField(
        _("observe Indonesian public holidays and cuti bersama"), default=True
    )
    business_day_minutes = models.PositiveIntegerField(
        _("length of a business day (minutes)"),
        default=9 * 60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("“N business days” means N times this much working time."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConfigManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One working interval of a weekday in a calendar (default Mon–Fri 08:00–17:00)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    objects = ConfigManager()

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="hours_start_before_end")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarDayKind(models.TextChoices):
    CLOSED = "closed", _("Closed (extra holiday)")
    OPEN = "open", _("Open (not a holiday after all)")


class CalendarDay(models.Model):
    """A day the operator adds to or removes from a calendar's closed days. An `open` day with hours
    given is worked with those hours (a working Saturday); without hours, with the weekday's hours."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    objects = ConfigManager()

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="one_exception_per_day",
                violation_error_message=_("This calendar already has a closed or open day on this date."),
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(kind="open") & Q(start__lt=models.F("end"))),
                name="exception_hours_only_for_open_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()}"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError(_("Give both the opening and the closing time, or neither."))


class PublicHoliday(models.Model):
    """A national public holiday or cuti bersama day of Indonesia, loaded from the `holidays` package
    (categories public and government) for the years in use, and refreshed by a periodic job."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, default="public")

    objects = ConfigManager()

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        # One row per day of the national calendar: a day's several names (rare) share its row, "; "
        # between them, so that a second 2026-12-25 is refused rather than counted twice.
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                name="one_holiday_per_date",
                violation_error_message=_("There is already a public holiday on this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class ClockKind(models.TextChoices):
    ALWAYS = "24x7", _("24×7")
    BUSINESS = "business", _("Business calendar")


class TargetUnitChoice(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    BUSINESS_DAYS = "business_days", _("business days")


def default_clock_for(unit: str) -> str:
    """The SOP's own reading: hours and minutes run around the clock, business days on the calendar."""
    return ClockKind.BUSINESS if unit == TargetUnitChoice.BUSINESS_DAYS else ClockKind.ALWAYS


class SlaPolicy(models.Model):
    """First-response and resolution targets for one classification and customer tier (SPEC §6)."""

    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)
    tier = models.CharField(_("customer tier"), max_length=16, choices=CustomerTier.choices)
    response_amount = models.PositiveIntegerField(
        _("first response target"), validators=[MinValueValidator(1)]
    )
    response_unit = models.CharField(_("unit"), max_length=16, choices=TargetUnitChoice.choices)
    response_clock = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    resolution_amount = models.PositiveIntegerField(_("resolution target"), validators=[MinValueValidator(1)])
    resolution_unit = models.CharField(_("unit"), max_length=16, choices=TargetUnitChoice.choices)
    resolution_clock = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConfigManager()

    class Meta:
        ordering = ["tier", "classification"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["classification", "tier"], name="one_policy_per_class_tier")
        ]

    def __str__(self) -> str:
        return f"{self.get_classification_display()} / {self.get_tier_display()}"


class StageTarget(models.Model):
    """The target time of one stage of the flow (SPEC §5), counted from entering it."""

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, unique=True)
    amount = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=16, choices=TargetUnitChoice.choices)
    clock = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)

    objects = ConfigManager()

    class Meta:
        ordering = ["stage"]
        verbose_name = _("stage target")
        verbose_name_plural = _("stage targets")

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"


class SlaTarget(models.TextChoices):
    RESPONSE = "response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    STAGE = "stage", _("Stage target")


class SlaEventKind(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")


@pgtrigger.register(
    pgtrigger.Protect(name="sla_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class SlaEvent(models.Model):
    """The fact that a ticket's target went at risk or was breached, with when. Recorded once per ticket,
    target, kind and deadline (a unique constraint), however many watchers run."""

    # Indexed by the unique constraint below, which starts with the ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="sla_events", db_index=False
    )
    target = models.CharField(_("target"), max_length=16, choices=SlaTarget.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=SlaEventKind.choices)
    due = models.DateTimeField(_("deadline"))
    recorded_at = models.DateTimeField(_("recorded at"), db_index=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "kind", "due"], name="sla_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.kind} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class SlaPause(models.Model):
    """A period during which the ticket waited for the customer and its clocks stood still."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at=None), name="one_open_pause_per_ticket"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"
