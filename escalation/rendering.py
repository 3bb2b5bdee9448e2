"""Rendering notification emails from templates, in the recipient's language (Indonesian or English)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.template import Context
from django.template.loader import get_template
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from escalation.models import Notification, Reason


def render_notification(notification: Notification) -> tuple[str, str]:
    """Subject and plain-text body of a notification."""
    context = {**notification.context, "notification": notification}
    with translation.override(notification.language or "id"):
        if context.get("reason") in Reason.values:
            context["reason"] = str(Reason(context["reason"]).label)
        if "target" in context:
            labels = {"response": _("first response"), "resolution": _("resolution"), "stage": _("stage")}
            context["target_label"] = labels.get(context["target"], context["target"])
        if isinstance(context.get("due"), str):
            context["due_display"] = _format_due(context["due"])
        if isinstance(context.get("tickets"), list):
            # A digest (escalation.sweep.DIGEST_LIST): the first tickets listed, the rest counted.
            context["tickets"] = [
                {**item, "due_display": _format_due(item["due"]) if isinstance(item.get("due"), str) else ""}
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


def _format_due(value: str) -> str:
    """A deadline from the JSON context, shown in Jakarta time (WIB) with its zone."""
    moment = parse_datetime(value)
    if moment is None:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M WIB")
