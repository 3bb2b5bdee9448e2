"""Input checks shared by every service: text as it is stored, moments in the past, dates, choices, ids
and people. Each refuses with `InvalidInput` naming the field, in a sentence a person can act on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from helpdesk.lib.errors import InvalidInput

# Inputs are bounded: a time before this is a typo (or an attack on date arithmetic), never a complaint.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Clocks of phones and PCs drift: a report time this far "in the future" is taken as now.
CLOCK_SKEW = dt.timedelta(seconds=60)
# Ids are plain ASCII digits ("²" and "٣" pass str.isdigit() but are no id).
_ID = re.compile(r"[0-9]{1,18}")


def refuse(field: str, message: str) -> InvalidInput:
    """The error for one field (raise it)."""
    return InvalidInput(message, fields={field: [message]})


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Text as stored: trimmed, bounded, no NUL (PostgreSQL refuses it). HTML is kept as typed and
    escaped wherever it is shown."""
    text = "" if value is None else str(value)
    text = text.strip()
    if required and not text:
        raise refuse(field, _("This field is required."))
    if len(text) > max_length:
        raise refuse(
            field,
            _("At most %(max)s characters (this has %(count)s).") % {"max": max_length, "count": len(text)},
        )
    if "\x00" in text:
        raise refuse(field, _("The text contains a character that is not allowed (NUL)."))
    return text


def clean_past_time(value: dt.datetime | None, *, field: str, now: dt.datetime) -> dt.datetime:
    """A moment that has already happened: aware, not in the future, not before 2000."""
    if value is None:
        raise refuse(field, _("This field is required."))
    if timezone.is_naive(value):
        raise refuse(field, _("Give the time with its UTC offset, e.g. 2026-01-31T09:30:00+07:00."))
    if value > now + CLOCK_SKEW:
        raise refuse(field, _("This time is in the future."))
    if value < EARLIEST_TIME:
        raise refuse(field, _("This time is too far in the past."))
    return min(value, now)


def clean_date(value: object, *, field: str) -> dt.date:
    """A calendar date, given as a date or as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    parsed = None
    if value not in (None, ""):
        try:
            parsed = parse_date(str(value))
        except ValueError:  # well formed but impossible, e.g. 2026-02-30
            parsed = None
    if parsed is None:
        raise refuse(field, _("Give a date as YYYY-MM-DD."))
    return parsed


def clean_choice(value: object, choices: type[models.Choices], *, field: str, required: bool = True) -> str:
    """One of the values of `choices`; the refusal lists them by the names people read."""
    text = "" if value is None else str(value)
    if not text and not required:
        return ""
    if text not in choices.values:
        names = ", ".join(str(label) for label in choices.labels)
        if not text:
            raise refuse(field, _("Choose one of: %(allowed)s.") % {"allowed": names})
        raise refuse(
            field,
            _("“%(value)s” is not a choice here; choose one of: %(allowed)s.")
            % {"value": text[:40], "allowed": names},
        )
    return text


def clean_id(value: object, *, field: str, message: str | None = None) -> int:
    """A database id given as a number or as its ASCII digits."""
    if isinstance(value, bool):
        raise refuse(field, message or _("Give the number of the record."))
    if isinstance(value, int) and value > 0:
        return value
    text = str(value if value is not None else "").strip()
    if not _ID.fullmatch(text) or int(text) == 0:
        raise refuse(field, message or _("Give the number of the record."))
    return int(text)


def clean_flag(value: object) -> bool:
    """A yes/no given as a boolean or as a form's text ("1", "true", "yes", "on")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def active_user(value: object, *, field: str) -> Any:
    """The active person with this id (or the person given)."""
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        pk = clean_id(value, field=field, message=_("Unknown user."))
        found = User.objects.filter(pk=pk).first()
        if found is None:
            raise refuse(field, _("Unknown user."))
        user = found
    if not user.is_active:
        raise refuse(field, _("This user is not active."))
    return user
