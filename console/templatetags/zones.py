"""Moments on staff pages, in the viewer's zone and with its label ({% load zones %}).

The console, escalation, incident and report templates all load this library, so every time on a staff
page is printed the one way: `{{ moment|zoned }}` → <time datetime="…">2 Dec 2026, 22:32 WIB</time>,
`{{ moment|zoned:"short" }}` → "02 Dec 22:32 WIB", and `{{ moment|zoned_text }}` (no markup) for
attributes. The zone is the one the request activated (console.preferences.ViewerTimeZoneMiddleware)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from helpdesk.lib import zones

register = template.Library()


def _form_and_zone(argument: str | None) -> tuple[str, Any]:
    """ "short", "long", or either with a zone name after a space ("short Asia/Makassar")."""
    form, _space, name = (argument or "long").partition(" ")
    return form, zones.zone(name) if name else None


@register.filter(expects_localtime=False)
def zoned(value: Any, argument: str | None = None) -> SafeString | str:
    if not isinstance(value, dt.datetime):
        return ""
    form, tz = _form_and_zone(argument)
    return mark_safe(zones.moment_html(value, form, tz))  # noqa: S308 - format_html escaped it


@register.filter(expects_localtime=False)
def zoned_text(value: Any, argument: str | None = None) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    form, tz = _form_and_zone(argument)
    return zones.moment_text(value, form, tz)


@register.simple_tag
def viewer_zone_label() -> str:
    """The label of the viewer's zone now ("WIT"), for text that names it ("Updated at 20:34:59 WIT")."""
    from django.utils import timezone

    return zones.zone_label(timezone.now(), zones.current_zone())


@register.filter
def zone_name(value: Any) -> str:
    """A zone's name as staff read it: "Asia/Makassar" → "WITA (Asia/Makassar)"."""
    return zones.zone_description(str(value or ""))
