"""What customers say of the desk (SPEC §9): the rating of a fixed ticket, and the Customer
Satisfaction Index surveys twice a year."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any, cast

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.lib.cleaning import clean_text
from helpdesk.lib.errors import InvalidInput, NotAllowedNow, NotFound
from notifications import services as notifications
from reports import recap
from reports.models import (
    CSI_QUESTIONS,
    SatisfactionRating,
    SurveyCampaign,
    SurveyInvitation,
)
from tickets.models import CloseReason, Ticket

log = structlog.get_logger(__name__)


def rating_record(
    *, ticket: Ticket, csat: int, nps: int | None, comment: str, via: str
) -> SatisfactionRating:
    """The customer's CSAT (1–5) and NPS (0–10) for a fixed ticket; once per ticket."""
    errors: dict[str, list[str]] = {}
    if not isinstance(csat, int) or not 1 <= csat <= 5:
        errors["csat"] = [_("Give a whole number from 1 to 5.")]
    if nps is not None and (not isinstance(nps, int) or not 0 <= nps <= 10):
        errors["nps"] = [_("Give a whole number from 0 to 10.")]
    if len(comment) > 2000:
        errors["comment"] = [_("At most %(max)s characters.") % {"max": 2000}]
    if errors:
        raise InvalidInput(_("The rating is not valid."), fields=errors)
    if ticket.stage not in ("confirmed", "closed") or (
        ticket.stage == "closed" and ticket.close_reason != "confirmed"
    ):
        raise NotAllowedNow(
            _("A ticket can be rated once the customer has confirmed the fix."), code="not_confirmed"
        )
    try:
        with transaction.atomic():
            return SatisfactionRating.objects.create(
                ticket=ticket, csat=csat, nps=nps, comment=comment, via=via
            )
    except IntegrityError as exc:
        raise NotAllowedNow(_("This ticket has already been rated."), code="already_rated") from exc


CSI_DEFAULT_OPEN_DAYS = 30
# Complaints that were actually handled; duplicates and invalid complaints get no survey.
CSI_CLOSE_REASONS = (CloseReason.CONFIRMED, CloseReason.NO_RESPONSE)


def csi_survey_link(token: str) -> str:
    base = str(settings.HELPDESK.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return f"{base}/api/portal/surveys/{token}/"


def csi_campaign_create(
    *,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    closes_at: dt.datetime | None = None,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> SurveyCampaign:
    """Start a Customer Satisfaction Index survey (SPEC §9, at least twice a year): every customer with a
    ticket closed in the period (Jakarta dates, both inclusive; confirmed or closed for no response) and an
    email to reach is invited once, with a secret link, and emailed after commit (the outbox)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        name = clean_text(name, field="name", max_length=200)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    closes_at = closes_at or now + dt.timedelta(days=CSI_DEFAULT_OPEN_DAYS)
    if closes_at <= now:
        errors["closes_at"] = [_("The survey must close in the future.")]
    if errors:
        raise InvalidInput(_("The survey cannot be started; see the messages for each field."), fields=errors)
    tz = recap.REPORT_TIME_ZONE
    start = dt.datetime.combine(period_start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    try:
        with transaction.atomic():
            campaign = SurveyCampaign.objects.create(
                name=name,
                period_start=period_start,
                period_end=period_end,
                closes_at=closes_at,
                sent_at=now,
                created_by=cast(Any, actor if getattr(actor, "pk", None) else None),
            )
            # One ticket per customer (their last closed in the period, DISTINCT ON) carries the address.
            latest = list(
                Ticket.objects.filter(
                    closed_at__gte=start, closed_at__lt=end, close_reason__in=CSI_CLOSE_REASONS
                )
                .select_related("customer")
                .order_by("customer_id", "-closed_at", "-id")
                .distinct("customer_id")
            )
            reachable = [t for t in latest if t.contact_email or t.customer.email]
            invitations = SurveyInvitation.objects.bulk_create(
                SurveyInvitation(
                    campaign=campaign,
                    customer_id=ticket.customer_id,
                    email=ticket.contact_email or ticket.customer.email,
                    token=secrets.token_urlsafe(32),
                    sent_at=now,
                )
                for ticket in reachable
            )
            campaign.invited_count = len(invitations)
            campaign.save(update_fields=["invited_count"])
            for ticket, invitation in zip(reachable, invitations, strict=True):
                notifications.notify_customer(
                    ticket=ticket,
                    template="csi_invitation",
                    context={
                        "campaign": name,
                        "link": csi_survey_link(invitation.token),
                        "closes_at": closes_at.isoformat(),
                    },
                    dedupe_key=f"csi:{invitation.pk}",
                )
    except IntegrityError as exc:
        raise NotAllowedNow(
            _("A survey for this period already exists."), code="survey_period_taken"
        ) from exc
    log.info("csi_campaign_created", campaign=campaign.pk, invited=len(reachable))
    return campaign


def csi_answer(
    *, token: str, scores: Mapping[str, Any], comment: str = "", now: dt.datetime | None = None
) -> SurveyInvitation:
    """A customer's answer to the CSI survey, through the secret link: every question scored 1–5 and an
    optional comment, recorded once, while the campaign is open."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for question in CSI_QUESTIONS:
        raw = scores.get(question)
        text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
        if not (text.isascii() and text.isdigit()):
            errors[question] = [_("Give a whole number from 1 to 5.")]
            continue
        score = int(text)
        if not 1 <= score <= 5:
            errors[question] = [_("Give a whole number from 1 to 5.")]
        values[f"score_{question}"] = score
    try:
        comment = clean_text(comment, field="comment", max_length=2000, required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The answer is not complete."), fields=errors)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(token=str(token)[:64])
            .first()
        )
        if invitation is None:
            raise NotFound(_("This survey link is not valid."), code="survey_not_found")
        if invitation.answered_at is not None:
            raise NotAllowedNow(
                _("This survey has already been answered. Thank you!"), code="already_answered"
            )
        if now > invitation.campaign.closes_at:
            raise NotAllowedNow(_("This survey is closed."), code="survey_closed")
        for field, score in values.items():
            setattr(invitation, field, score)
        invitation.comment = comment
        invitation.answered_at = now
        invitation.save(update_fields=[*values, "comment", "answered_at"])
        SurveyCampaign.objects.filter(pk=invitation.campaign_id).update(
            answered_count=F("answered_count") + 1,
            **{
                f"total_{question}": F(f"total_{question}") + values[f"score_{question}"]
                for question in CSI_QUESTIONS
            },
        )
    return invitation
