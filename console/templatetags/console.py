"""Template helpers of the staff console."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from tickets.models import SlaState

register = template.Library()

_COLUMNS = {
    "response": ("current_response_sla", "response_sla", "first_response_due", "first_response_risk_at"),
    "resolution": ("current_resolution_sla", "resolution_sla", "resolution_due", "resolution_risk_at"),
    "stage": ("stage_sla", "stage_sla", "stage_due", None),
}


@register.inclusion_tag("includes/sla_badge.html")
def sla_badge(ticket: Any, clock: str = "resolution") -> dict[str, Any]:
    """An SLA countdown badge for one of a ticket's clocks. The state comes from the selector's
    annotation (sla.selectors.annotate_sla_states) when the list has it, else from the stored column;
    console.js makes it tick."""
    annotated, stored, due_field, risk_field = _COLUMNS[clock]
    state = getattr(ticket, annotated, None) or getattr(ticket, stored)
    if ticket.paused and state not in (SlaState.MET, SlaState.MISSED):
        state = "paused"
    labels = dict(SlaState.choices)
    return {
        "state": state,
        "state_label": labels.get(state, "") if state != "paused" else None,
        "due": getattr(ticket, due_field),
        "risk_at": getattr(ticket, risk_field) if risk_field else None,
        "clock": clock,
    }


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
