"""Rendering notification emails from templates, in the recipient's language (Indonesian or English)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from escalation.models import Notification, Reason


def render_notification(notification: Notification) -> tuple[str, str]:
    """Subject and plain-text body of a notification."""
    context = {**notification.context, "notification": notification}
    with translation.override(notification.language or "id"):
        if context.get("reason") in Reason.values:
            context["reason"] = str(Reason(context["reason"]).label)
        subject = render_to_string(f"notifications/{notification.template}_subject.txt", context)
        body = render_to_string(f"notifications/{notification.template}_body.txt", context)
    return " ".join(subject.split())[:200], body.strip() + "\n"
