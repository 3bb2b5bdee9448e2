"""System messages rendered when shown, in the reader's language (the staff member's on the console, the
customer's on the portal), from the purpose and parameters stored with them. A message stored before
purposes existed, or whose parameters are incomplete, shows its stored text: nothing written is lost."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext

if TYPE_CHECKING:
    from tickets.models import TicketMessage


def _acknowledgement(params: Mapping[str, Any]) -> str:
    return gettext("We have received your complaint. Your ticket number is %(number)s.") % {
        "number": params["number"]
    }


# Purpose → the text in the active language. Purposes not listed (the resolution message) are people's
# own words and are shown as written.
SYSTEM_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "acknowledgement": _acknowledgement,
}


def message_text(message: TicketMessage) -> str:
    """The text of `message` as the reader sees it, in the active language for a system message."""
    render = SYSTEM_TEXTS.get(message.purpose or "")
    params = message.params if isinstance(message.params, Mapping) else {}
    if render is None:
        return message.body
    try:
        return render(params)
    except (KeyError, TypeError, ValueError):
        return message.body
