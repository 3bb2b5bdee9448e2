"""Writes of canned replies (tickets.models.Macro): created and changed by supervisors, deactivated
rather than deleted."""

from __future__ import annotations

import datetime as dt

import structlog
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.lib.access import Capability, can
from helpdesk.lib.cleaning import clean_choice, clean_text
from helpdesk.lib.errors import Forbidden, InvalidInput, NotFound
from tickets.macros import PLACEHOLDERS, unknown_placeholders
from tickets.models import Category, Macro, MacroLanguage

log = structlog.get_logger(__name__)

TITLE_MAX = 120
BODY_MAX = 4000


def macro_save(
    *,
    actor: AbstractBaseUser,
    macro_id: int | None,
    title: object,
    body: object,
    category: object,
    language: object,
    is_active: bool,
    now: dt.datetime | None = None,
) -> Macro:
    """Create a canned reply (`macro_id` None) or change one, recording who changed it and when. Only the
    roles allowed Capability.MANAGE_MACROS; every field is checked before anything is written, and a
    placeholder we do not fill is refused (it would reach the customer as typed)."""
    if not can(actor, Capability.MANAGE_MACROS):
        raise Forbidden(_("Only supervisors keep the canned replies."))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, value, check in (
        ("title", title, lambda v: clean_text(v, field="title", max_length=TITLE_MAX)),
        ("body", body, lambda v: clean_text(v, field="body", max_length=BODY_MAX)),
        ("category", category, lambda v: clean_choice(v or "", Category, field="category", required=False)),
        ("language", language, lambda v: clean_choice(v, MacroLanguage, field="language")),
    ):
        try:
            cleaned[name] = check(value)
        except InvalidInput as exc:
            errors.update(exc.fields)
    unknown = unknown_placeholders(cleaned.get("body", ""))
    if unknown:
        errors.setdefault("body", []).append(
            _("Unknown placeholder %(unknown)s; the text may use only %(known)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )
    if errors:
        raise InvalidInput(
            _("The canned reply was not saved; see the messages for each field."), fields=errors
        )
    now = now or timezone.now()
    with transaction.atomic():
        if macro_id is None:
            macro = Macro(changed_at=now)
        else:
            found = Macro.objects.select_for_update().filter(pk=macro_id).first()
            if found is None:
                raise NotFound(_("No such canned reply."))
            macro = found
        macro.title = cleaned["title"]
        macro.body = cleaned["body"]
        macro.category = cleaned["category"]
        macro.language = cleaned["language"]
        macro.is_active = bool(is_active)
        macro.changed_by = actor  # type: ignore[assignment]
        macro.changed_at = now
        macro.save()
    log.info("macro_saved", macro=macro.pk, active=macro.is_active, by=actor.pk)
    return macro


def macro_set_active(
    *, actor: AbstractBaseUser, macro_id: int, is_active: bool, now: dt.datetime | None = None
) -> Macro:
    """Deactivate (or reactivate) a canned reply: it is no longer offered, and stays on record."""
    if not can(actor, Capability.MANAGE_MACROS):
        raise Forbidden(_("Only supervisors keep the canned replies."))
    with transaction.atomic():
        macro = Macro.objects.select_for_update().filter(pk=macro_id).first()
        if macro is None:
            raise NotFound(_("No such canned reply."))
        macro.is_active = is_active
        macro.changed_by = actor  # type: ignore[assignment]
        macro.changed_at = now or timezone.now()
        macro.save(update_fields=["is_active", "changed_by", "changed_at"])
    return macro
