"""Time zones by name: which IANA names are valid, and the short names Indonesians read (WIB, WITA,
WIT). Which zone a ticket, a customer or a member of staff lives in is decided in `sla.selectors`;
this module only names zones and shows moments in the zone it is given."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Indonesia's three zones (SPEC §2), with the abbreviations printed after a time.
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

# The zones offered in pickers (a person's own zone, a calendar's), most used first.
ZONE_CHOICES = [
    ("Asia/Jakarta", _("WIB — Western Indonesia (Asia/Jakarta)")),
    ("Asia/Makassar", _("WITA — Central Indonesia (Asia/Makassar)")),
    ("Asia/Jayapura", _("WIT — Eastern Indonesia (Asia/Jayapura)")),
    ("Asia/Pontianak", _("WIB — West Kalimantan (Asia/Pontianak)")),
    ("UTC", _("UTC")),
]


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value}) from exc


def head_office_zone_name() -> str:
    """The operator's head office zone (settings.DISPLAY_TIME_ZONE): the default of every zone."""
    return str(settings.DISPLAY_TIME_ZONE)


def zone(name: str | None, *, default: str | None = None) -> zoneinfo.ZoneInfo:
    """The zone of that name; an empty or unknown name gives `default`, else the head office's (never
    an error on a page)."""
    try:
        return zoneinfo.ZoneInfo(name or default or head_office_zone_name())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo(default or head_office_zone_name())


def zone_label(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """The short name printed after a time in `tz`: WIB/WITA/WIT in Indonesia, else the zone's own
    abbreviation (UTC, JST), else its UTC offset."""
    known = INDONESIAN_ZONES.get(str(tz.key))
    if known:
        return known
    name = moment.astimezone(tz).tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = moment.astimezone(tz).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def local(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The same instant on the wall clock of `tz`."""
    return moment.astimezone(tz)


def format_local(moment: dt.datetime, tz: zoneinfo.ZoneInfo, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` in `tz`, followed by the zone's short name: "2026-12-03 10:00 WITA"."""
    return f"{moment.astimezone(tz).strftime(pattern)} {zone_label(moment, tz)}"
