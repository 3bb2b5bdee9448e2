"""Time zones by name: which IANA names are valid, and the short names Indonesians read (WIB, WITA,
WIT). Which zone a ticket, a customer or a member of staff lives in is decided in `sla.selectors`;
this module only names zones and shows moments in the zone it is given."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.dates import MONTHS_3
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


# --- the viewer's zone ------------------------------------------------------------------------------

# Where a signed-in person's display zone is kept for their session: written when they sign in and when
# they change it (console.preferences), read by `ViewerTimeZoneMiddleware` without a query.
SESSION_KEY = "helpdesk_time_zone"

# The forms a moment is printed in on staff pages, in Django's date-format letters: "2 Dec 2026, 22:32 WIB"
# and "02 Dec 22:32 WIB". `_FORMATTERS` prints the same as django.utils.dateformat would (the month's
# name from Django's own translated MONTHS_3, so it follows the page's language) without parsing the
# format for every moment: a queue page prints three hundred of them.
FORMS = {"long": "j M Y, H:i", "short": "d M H:i", "time": "H:i:s", "time-short": "H:i"}


@functools.lru_cache(maxsize=16)
def _months(language: str | None) -> tuple[str, ...]:
    """The twelve short month names in `language` (index 1–12), translated once per language rather than
    for each of the page's moments."""
    with translation.override(language):
        return ("", *(str(MONTHS_3[number]).title() for number in range(1, 13)))


# Each takes the wall-clock time and the month names of the active language (`_months`).
_FORMATTERS: dict[str, Callable[[dt.datetime, tuple[str, ...]], str]] = {
    "long": lambda wall, months: (
        f"{wall.day} {months[wall.month]} {wall.year:04d}, {wall.hour:02d}:{wall.minute:02d}"
    ),
    "short": lambda wall, months: f"{wall.day:02d} {months[wall.month]} {wall.hour:02d}:{wall.minute:02d}",
    "time": lambda wall, _months: f"{wall.hour:02d}:{wall.minute:02d}:{wall.second:02d}",
    "time-short": lambda wall, _months: f"{wall.hour:02d}:{wall.minute:02d}",
}


def current_zone() -> zoneinfo.ZoneInfo:
    """The zone activated for this request (the viewer's), as a ZoneInfo."""
    from django.utils import timezone

    current = timezone.get_current_timezone()
    return current if isinstance(current, zoneinfo.ZoneInfo) else zone(str(current))


def moment_text(moment: dt.datetime | None, form: str = "long", tz: zoneinfo.ZoneInfo | None = None) -> str:
    """`moment` on the wall clock of `tz` (the active zone when not given), in one of FORMS, followed by
    the zone's label: "2 Dec 2026, 22:32 WIB". Empty for no moment."""
    if moment is None:
        return ""
    tz = tz or current_zone()
    if moment.tzinfo is None:  # a naive value would be read as UTC by the database anyway
        moment = moment.replace(tzinfo=dt.UTC)
    wall = moment.astimezone(tz)
    months = _months(translation.get_language())
    return f"{_FORMATTERS.get(form, _FORMATTERS['long'])(wall, months)} {zone_label(moment, tz)}"


def moment_texts(moment: dt.datetime, forms: tuple[str, ...], tz: zoneinfo.ZoneInfo) -> tuple[str, ...]:
    """`moment_text` of one aware moment in several forms, its wall clock and label worked out once (an
    SLA badge prints its deadline short and long)."""
    wall = moment.astimezone(tz)
    label = zone_label(moment, tz)
    months = _months(translation.get_language())
    return tuple(f"{_FORMATTERS.get(form, _FORMATTERS['long'])(wall, months)} {label}" for form in forms)


def moment_html(moment: dt.datetime | None, form: str = "long", tz: zoneinfo.ZoneInfo | None = None) -> str:
    """`moment_text` inside <time datetime="ISO-8601">, escaped; empty for no moment."""
    from django.utils.html import format_html

    if moment is None:
        return ""
    tz = tz or current_zone()
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return str(
        format_html(
            '<time datetime="{}">{}</time>',
            aware.astimezone(tz).isoformat(timespec="seconds"),
            moment_text(aware, form, tz),
        )
    )


def zone_description(name: str) -> str:
    """A zone as a picker shows it: "WITA (Asia/Makassar)"; a zone with no Indonesian label by name."""
    label = INDONESIAN_ZONES.get(name)
    return f"{label} ({name})" if label else name
