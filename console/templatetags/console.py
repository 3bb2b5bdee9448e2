"""Template helpers of the staff console."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

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
