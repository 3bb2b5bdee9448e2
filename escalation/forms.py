"""Forms of the escalation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReassignForm(forms.Form):
    """Hand an escalated ticket to another person (and team); the service checks who may take it."""

    assignee = forms.IntegerField(label=_("Assignee"), min_value=1)
    team = forms.IntegerField(label=_("Team"), min_value=1, required=False)
