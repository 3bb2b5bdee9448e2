"""Forms of the escalation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.humane import HumaneErrorsMixin


class ReassignForm(HumaneErrorsMixin, forms.Form):
    """Hand an escalated ticket to another person (and, optionally, team). Only the shape is checked
    here; tickets.services.ticket_act decides whether that person may take it and says why not."""

    assignee = forms.IntegerField(
        label=_("Assignee"),
        min_value=1,
        error_messages={
            "required": _("Choose a person to assign the ticket to."),
            "invalid": _("Choose a person from the list."),
            "min_value": _("Choose a person from the list."),
        },
    )
    team = forms.IntegerField(
        label=_("Team"),
        min_value=1,
        required=False,
        error_messages={
            "invalid": _("Choose a team from the list."),
            "min_value": _("Choose a team from the list."),
        },
    )

    def error_text(self) -> str:
        """All field errors as one sentence for the message line."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
