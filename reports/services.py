"""Writes of the reports module: root cause analyses, satisfaction ratings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helpdesk.lib.errors import InvalidInput, NotAllowedNow
from reports.models import RootCauseAnalysis, RootCauseCategory, SatisfactionRating
from tickets.models import Ticket

RCA_TEXT_FIELDS = ("problem_statement", "analysis", "temporary_fix", "permanent_fix")
RCA_TEXT_MAX = 10_000


def rca_create(*, author: AbstractBaseUser | None, data: dict[str, Any]) -> RootCauseAnalysis:
    """A new RCA from `problem_statement`, `category` (code or id), `analysis`, `temporary_fix`,
    `permanent_fix` — every one required (SOP §7)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in RCA_TEXT_FIELDS:
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > RCA_TEXT_MAX:
            errors[name] = [_("At most %(max)s characters.") % {"max": RCA_TEXT_MAX}]
        values[name] = text
    category = rca_category(data.get("category"))
    if category is None:
        errors["category"] = [_("Choose a known root-cause category.")]
    if errors:
        raise InvalidInput(
            _("The root cause analysis is incomplete."), fields={f"rca.{k}": v for k, v in errors.items()}
        )
    return RootCauseAnalysis.objects.create(author=author, category=category, **values)


def rca_category(value: object) -> RootCauseCategory | None:
    if value in (None, ""):
        return None
    text = str(value)
    query = RootCauseCategory.objects.filter(is_active=True)
    if text.isdigit():
        return query.filter(pk=int(text)).first()
    return query.filter(code=text).first()


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
