"""Root cause analyses (SPEC §8): written by the technician with the fix, one RCA for many tickets of
the same incident."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import structlog
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from helpdesk.lib.cleaning import clean_id, refuse
from helpdesk.lib.errors import InvalidInput
from reports.models import (
    RootCauseAnalysis,
    RootCauseCategory,
)
from tickets.services.actors import Via, recorded_as

log = structlog.get_logger(__name__)


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
    return RootCauseAnalysis.objects.create(author=cast(Any, author), category=cast(Any, category), **values)


def rca_update(
    *, rca: RootCauseAnalysis, data: Mapping[str, Any], actor: AbstractBaseUser | None = None
) -> RootCauseAnalysis:
    """Change the given fields of an RCA (the same rules as `rca_create`; fields not given stay). Every
    revision leaves a history row (RootCauseAnalysisHistory) saying who made it: an RCA a technician
    wrote is never overwritten without a trace."""
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for name in RCA_TEXT_FIELDS:
        if name not in data:
            continue
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > RCA_TEXT_MAX:
            errors[name] = [_("At most %(max)s characters.") % {"max": RCA_TEXT_MAX}]
        else:
            setattr(rca, name, text)
            changed.append(name)
    if "category" in data:
        category = rca_category(data.get("category"))
        if category is None:
            errors["category"] = [_("Choose a known root-cause category.")]
        else:
            rca.category = category
            changed.append("category")
    if errors:
        raise InvalidInput(_("The root cause analysis is not valid."), fields=errors)
    if changed:
        with transaction.atomic(), recorded_as(actor, Via.STAFF, action="rca_revise"):
            rca.save(update_fields=[*changed, "updated_at"])
    return rca


def rca_category(value: object) -> RootCauseCategory | None:
    """An active root-cause category by its id or its code."""
    if value in (None, ""):
        return None
    text = str(value)
    query = RootCauseCategory.objects.filter(is_active=True)
    if text.isascii() and text.isdigit():
        return query.filter(pk=int(text)).first()
    return query.filter(code=text[:64]).first()


def rca_find(value: object, *, field: str = "rca") -> RootCauseAnalysis | None:
    """The RCA with this id (or the RCA given); None for no value at all."""
    if value in (None, ""):
        return None
    if isinstance(value, RootCauseAnalysis):
        return value
    message = _("Unknown root cause analysis.")
    found = RootCauseAnalysis.objects.filter(pk=clean_id(value, field=field, message=message)).first()
    if found is None:
        raise refuse(field, message)
    return found


def rca_for_resolution(*, author: AbstractBaseUser | None, ref: object) -> RootCauseAnalysis:
    """The RCA a ticket is resolved with (SPEC §8): a new one written with the fix (`ref` holds its
    fields) or an existing one (`ref` is its id), since one RCA can cover many tickets of one incident."""
    if isinstance(ref, Mapping):
        return rca_create(author=author, data=dict(ref))
    found = rca_find(ref)
    if found is None:
        raise refuse("rca", _("Resolving needs a root cause analysis: write one or choose an existing one."))
    return found
