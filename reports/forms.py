"""Forms of the manager pages: the month to (re)build, the CAPA list's filters, and the two changes an
allowed person makes to a CAPA action (its status, the check that it worked). They only parse and
check input; the writes are reports.services'."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.errors import InvalidInput
from helpdesk.lib.humane import HumaneErrorsMixin
from reports import recap
from reports.models import CapaStatus
from reports.services import CAPA_TEXT_MAX


class MonthForm(HumaneErrorsMixin, forms.Form):
    """The month a manager builds or rebuilds, as YYYY-MM (what <input type="month"> sends)."""

    month = forms.CharField(
        label=_("Month (YYYY-MM)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "type": "month",
                "class": "form-control",
                "placeholder": "2026-03",
                "pattern": r"\d{4}-\d{2}",
            }
        ),
    )

    def clean_month(self) -> dt.date:
        try:
            return recap.parse_month(self.cleaned_data["month"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class CapaFilterForm(HumaneErrorsMixin, forms.Form):
    """The CAPA list's filters: an action status, and overdue actions only."""

    status = forms.ChoiceField(
        label=_("Action status"),
        required=False,
        choices=[("", _("Any")), *CapaStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    overdue = forms.BooleanField(
        label=_("Overdue actions only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class CapaActionStatusForm(HumaneErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=CapaStatus.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class CapaActionVerifyForm(HumaneErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("What was checked, and the result"),
        max_length=CAPA_TEXT_MAX,
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
    )


class CapaSettleForm(HumaneErrorsMixin, forms.Form):
    """Closing a CAPA report (every action done or cancelled) or withdrawing it, with the reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("close", _("Close: the actions are done")), ("withdraw", _("Withdraw the report"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=CAPA_TEXT_MAX,
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
        error_messages={"required": _("Say why the report is closed or withdrawn.")},
    )


def action_forms(action: Any, *, bound: dict[str, forms.Form] | None = None) -> dict[str, forms.Form]:
    """The status and verification forms of one action, prefixed with its id so that many can share a
    page; `bound` replaces one of them by the submitted form (to show its errors)."""
    prefix = f"action-{action.pk}"
    result: dict[str, forms.Form] = {
        "status": CapaActionStatusForm(prefix=prefix, initial={"status": action.status}),
        "verify": CapaActionVerifyForm(prefix=prefix),
    }
    result.update(bound or {})
    return result
