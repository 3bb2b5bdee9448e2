"""Rendering notifications from templates, in the recipient's language (Indonesian or English) and with
every time in the recipient's own time zone (a WITA customer reads WITA, not WIB)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template import Context
from django.template.loader import get_template
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from helpdesk.lib.vocabulary import EscalationReason
from helpdesk.lib.zones import format_local, zone
from notifications.models import Notification

# Context values that are moments (ISO 8601 in the JSON context); each gets a `<name>_display` beside it.
MOMENTS = ("due", "respond_by", "confirm_by", "closes_at", "expected_at", "posted_at")


def render_notification(notification: Notification, *, language: str | None = None) -> tuple[str, str]:
    """Subject and plain-text body of a notification, in `language` when given (the inbox: the reader's
    language as they read it), else the recipient's language recorded when it was owed (emails)."""
    context: dict[str, Any] = {**notification.context, "notification": notification}
    tz = zone(notification.time_zone)
    with translation.override(language or notification.language or "id"):
        if context.get("reason") in EscalationReason.values:
            context["reason"] = str(EscalationReason(context["reason"]).label)
        if "target" in context:
            labels = {"response": _("first response"), "resolution": _("resolution"), "stage": _("stage")}
            context["target_label"] = labels.get(context["target"], context["target"])
        for name in MOMENTS:
            if isinstance(context.get(name), str):
                context[f"{name}_display"] = _format_moment(context[name], tz)
        if isinstance(context.get("tickets"), list):
            # A digest (notifications.outbox.digest_sql): the first tickets listed, the rest counted.
            context["tickets"] = [
                {
                    **item,
                    "due_display": _format_moment(item["due"], tz)
                    if isinstance(item.get("due"), str)
                    else "",
                }
                for item in context["tickets"]
                if isinstance(item, dict)
            ]
            context["more"] = max(int(context.get("count") or 0) - len(context["tickets"]), 0)
        subject = _render_text(f"notifications/{notification.template}_subject.txt", context)
        body = _render_text(f"notifications/{notification.template}_body.txt", context)
    return " ".join(subject.split())[:200], body.strip() + "\n"


def _render_text(name: str, context: dict[str, object]) -> str:
    """A plain-text template rendered without HTML escaping: the emails are text/plain (a reply saying
    "AT&T" must not arrive as "AT&amp;T"), and the console's inbox escapes the text when it shows it."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def _format_moment(value: str, tz: Any) -> str:
    """A moment from the JSON context, in the recipient's zone with its short name (WIB, WITA, WIT)."""
    moment = parse_datetime(value)
    if moment is None:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_local(moment, tz)
