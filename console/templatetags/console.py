"""Template helpers of the staff console."""

from __future__ import annotations

import datetime as dt
import functools
import html
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.lib import zones
from tickets.models import SlaState

register = template.Library()

# annotated state, stored state, deadline, risk instant, the instant the clock stopped (None: not kept)
_COLUMNS = {
    "response": (
        "current_response_sla",
        "response_sla",
        "first_response_due",
        "first_response_risk_at",
        "first_responded_at",
    ),
    "resolution": (
        "current_resolution_sla",
        "resolution_sla",
        "resolution_due",
        "resolution_risk_at",
        "resolved_at",
    ),
    # A stage's clock ends with the stage and its stop time is not recorded (the stage's history has it).
    "stage": ("stage_sla", "stage_sla", "stage_due", None, None),
}
RUNNING = (SlaState.OK, SlaState.AT_RISK, SlaState.BREACHED)


@dataclass(frozen=True)
class BadgeWords:
    """The fixed words of the SLA badges in one language, translated once per language rather than a few
    times for each of a queue page's hundred badges."""

    states: dict[str, str]
    titles: dict[str, str]  # escaped
    paused: str
    met: str
    no_target: str
    met_at: str
    missed_was_due: str
    missed_by: str
    due: str
    days: str
    hours: str
    minutes: str


@functools.lru_cache(maxsize=16)
def badge_words(language: str | None) -> BadgeWords:
    with translation.override(language):
        return BadgeWords(
            states={state.value: str(state.label) for state in SlaState},
            titles={clock: escape(title) for clock, title in _TITLES.items()},
            paused=_("paused"),
            met=_("met"),
            no_target=_("no target"),
            met_at=_("met at %(time)s"),
            missed_was_due=_("missed, was due %(time)s"),
            missed_by=_("missed by %(time)s"),
            due=_("due %(time)s"),
            days=_("%(count)s d"),
            hours=_("%(count)s h"),
            minutes=_("%(count)s min"),
        )


def _words() -> BadgeWords:
    return badge_words(translation.get_language())


def lateness_label(late: dt.timedelta, words: BadgeWords | None = None) -> str:
    """How late, as the badge says it: "3 h", "2 d 4 h", "1 h 20 min", "25 min"."""
    words = words or _words()
    minutes = max(int(late.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(words.days % {"count": days})
    if hours:
        parts.append(words.hours % {"count": hours})
    if (minutes and not days) or not parts:
        parts.append(words.minutes % {"count": minutes})
    return " ".join(parts)


def badge_wording(
    *,
    state: str,
    due: dt.datetime,
    stopped_at: dt.datetime | None,
    now: dt.datetime,
    due_short: str | None = None,
    words: BadgeWords | None = None,
) -> tuple[str, str]:
    """(the state's label, what the badge says of the time) for one clock: "met at …" when it stopped in
    time, "due …" while it runs, "missed by 3 h" once late (stopped late: stop − due; running past its
    deadline: now − due), "paused" while the customer is waited for. `due_short`: the deadline as
    `zones.moment_text(due, "short")` prints it, when the caller has it already; `words`: the language's
    `badge_words`, when the caller has them."""
    words = words or _words()
    if state == "paused":
        # A paused deadline means nothing yet: it moves on by the pause when the clock runs again.
        return words.paused, ""
    # Not one of the stored states: shown as it is.
    label = words.states.get(state, str(state))
    if state == SlaState.MET:
        if stopped_at is None:
            return label, words.met
        return label, words.met_at % {"time": zones.moment_text(stopped_at, "short")}
    if state == SlaState.MISSED:
        if stopped_at is None or stopped_at <= due:
            return label, words.missed_was_due % {"time": due_short or zones.moment_text(due, "short")}
        return label, words.missed_by % {"time": lateness_label(stopped_at - due, words)}
    if now >= due:
        return label, words.missed_by % {"time": lateness_label(now - due, words)}
    return label, words.due % {"time": due_short or zones.moment_text(due, "short")}


# The title of each clock's badge ("First response due: 2 Dec 2026, 22:32 WIB").
_TITLES = {
    "response": gettext_lazy("First response due"),
    "stage": gettext_lazy("Stage target"),
    "resolution": gettext_lazy("Resolution due"),
}


@register.simple_tag(takes_context=True)
def sla_badge(
    context: Any, ticket: Any, clock: str = "resolution", customer_zone: bool = False
) -> SafeString:
    """An SLA badge for one of a ticket's clocks (see `badge_html`), as of the page's `now`."""
    now = context.get("now") if isinstance(context.get("now"), dt.datetime) else timezone.now()
    return badge_html(
        ticket, clock, now=now, zone=zones.current_zone(), words=_words(), customer_zone=customer_zone
    )


def badge_html(
    ticket: Any,
    clock: str,
    *,
    now: dt.datetime,
    zone: Any,
    words: BadgeWords,
    customer_zone: bool = False,
) -> SafeString:
    """An SLA badge for one of a ticket's clocks. The state comes from the selector's annotation
    (sla.selectors.annotate_sla_states) when the list has it, else from the stored column; console.js
    moves a running one forward in time. `zone` is the viewer's, `words` the page language's
    `badge_words` (a queue page works both out once for its hundred badges). `customer_zone` adds the
    deadline on the customer's clock when their zone differs from the viewer's (the ticket page).

    Built here rather than in a template of its own: rendering a sub-template for each badge was a fifth
    of a queue page's time."""
    annotated, stored, due_field, risk_field, stop_field = _COLUMNS[clock]
    state = getattr(ticket, annotated, None) or getattr(ticket, stored)
    if ticket.paused and state not in (SlaState.MET, SlaState.MISSED):
        state = "paused"
    due = getattr(ticket, due_field)
    if due is None:
        return format_html('<span class="badge sla-badge sla-met">{}</span>', words.no_target)
    stopped_at = (
        getattr(ticket, stop_field) if stop_field and state in (SlaState.MET, SlaState.MISSED) else None
    )
    due_short, due_long = zones.moment_texts(due, ("short", "long"), zone)
    state_label, when = badge_wording(
        state=state, due=due, stopped_at=stopped_at, now=now, due_short=due_short, words=words
    )
    risk_at = getattr(ticket, risk_field) if risk_field else None
    # Put together by hand rather than with format_html (a third of the badge's time), every piece of
    # text escaped with the standard library's html.escape (what django.utils.html.escape calls, without
    # its lazy-string wrapper); the times are ISO-8601. Two badges a row: 149 -> 58 us with the words
    # above (timed by hand, bench/README.md "Rows and badges").
    risk = f' data-risk-at="{risk_at.astimezone(dt.UTC).isoformat()}"' if risk_at else ""
    time = f' · <span class="sla-time">{html.escape(when)}</span>' if when else ""
    state_attribute = html.escape(str(state))
    badge = mark_safe(  # noqa: S308 - escaped above and here
        f'<span class="badge sla-badge sla-{state_attribute}" data-state="{state_attribute}" '
        f'data-due="{due.astimezone(dt.UTC).isoformat()}"{risk} data-due-label="{html.escape(due_short)}" '
        f'title="{words.titles[clock]}: {html.escape(due_long)}">'
        f'<span class="sla-state">{html.escape(state_label)}</span>{time}</span>'
    )
    if customer_zone and state in RUNNING:
        customer_text = _customer_time(due, getattr(ticket, "time_zone", ""))
        if customer_text:
            badge = format_html(
                '{} <span class="small text-body-secondary sla-customer-time" data-testid="customer-time">'
                "({})</span>",
                badge,
                customer_text,
            )
    return badge


def _customer_time(due: dt.datetime, their_zone_name: str) -> str:
    """The deadline on the customer's clock ("23:32 WITA, customer's time"), or "" when their clock
    reads the same as the viewer's."""
    viewer_zone, theirs = zones.current_zone(), zones.zone(their_zone_name)
    viewer_wall, their_wall = due.astimezone(viewer_zone), due.astimezone(theirs)
    if (viewer_wall.utcoffset(), zones.zone_label(due, viewer_zone)) == (
        their_wall.utcoffset(),
        zones.zone_label(due, theirs),
    ):
        return ""
    form = "time-short" if viewer_wall.date() == their_wall.date() else "short"
    return _("%(time)s, customer's time") % {"time": zones.moment_text(due, form, theirs)}


@register.simple_tag
def deadline_clocks() -> list[tuple[str, str]]:
    """The clocks the ticket page explains ("How was this deadline reached?"), with their titles."""
    from console.deadlines import CLOCK_TITLES

    return [(which, str(title)) for which, title in CLOCK_TITLES.items()]


@register.filter
def selecting(options: SafeString, value: Any) -> SafeString:
    """`options` (<option> elements rendered once for a whole list, e.g. the escalation queue's people)
    with the one whose value is `value` selected: a queue of 50 rows renders the 100-odd people once,
    not once per row."""
    if value in (None, ""):
        return options
    # `options` is already-escaped markup and `value` a primary key, put in as a string.
    return mark_safe(  # noqa: S308
        options.replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1)
    )


@register.filter
def subject_line(text: Any, length: int = 70) -> str:
    """A complaint's subject as a list shows it: the first non-blank line of its description, cut at a
    word (not inside one) to at most `length` characters with "…" when something was left out."""
    line = next((" ".join(part.split()) for part in str(text or "").splitlines() if part.strip()), "")
    if len(line) <= length:
        return line
    cut = line[: length - 1]
    if " " in cut and line[length - 1] != " ":
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


@register.filter
def at_most(text: Any, length: int) -> str:
    """`truncatechars`, with its cost only where something is cut: a text no longer than `length`
    characters is what truncatechars would give back unchanged (combining marks only shorten its count),
    and a queue row's hover text (its description, up to 500) is nearly always that. Normalised to NFC
    first, as truncatechars does (a compatibility ideograph becomes its unified one), so the two agree."""
    text = unicodedata.normalize("NFC", str(text or ""))
    if len(text) <= length:
        return text
    return truncatechars(text, length)


@register.simple_tag
def ago(moment: Any, now: Any) -> str:
    """How long before `now` a moment was, short as a queue column says it: "5 min ago", "3 h ago",
    "2 d ago" (the exact time goes in the title beside it)."""
    if moment is None or now is None:
        return "—"
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return str(_("just now"))
    if minutes < 60:
        return str(_("%(count)s min ago") % {"count": minutes})
    if minutes < 48 * 60:
        return str(_("%(count)s h ago") % {"count": minutes // 60})
    return str(_("%(count)s d ago") % {"count": minutes // (24 * 60)})
