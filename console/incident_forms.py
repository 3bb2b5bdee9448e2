"""Forms of the console's incident pages (SPEC §10). They check the shape of the input; who may declare,
update and resolve, and what a valid incident is, stay in tickets.services.incidents, whose InvalidInput
errors the views put back on these forms' fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from console.forms import RCA_TEXT_FIELDS, BootstrapForm
from helpdesk.lib import zones
from helpdesk.lib.humane import HumaneErrorsMixin
from tickets.models import ServiceKind
from tickets.services.incidents import DETAILS_MAX, TITLE_MAX

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class ViewerDateTimeField(forms.DateTimeField):
    """A time as typed on the viewer's own clock (their display zone, console.preferences): read in it,
    and shown back in it. The label names the zone (`zoned_labels`), so nobody has to guess."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", TIME_FORMATS)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # Shown on the same clock it is read on.
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(zones.current_zone()).replace(tzinfo=None)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        # Django attached the current zone without shifting the time: read it in the viewer's, explicitly.
        return result.replace(tzinfo=None).replace(tzinfo=zones.current_zone())


def zoned_labels(form: forms.Form, labels: dict[str, Any]) -> None:
    """Labels of time fields that say which zone they are read in: "Started (WITA, Asia/Makassar; …)"."""
    name = str(zones.current_zone().key)
    for field_name, label in labels.items():
        form.fields[field_name].label = label % {"zone": zones.zone_description(name)}


def _details(label: Any, *, required: bool = True, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=DETAILS_MAX, widget=forms.Textarea(attrs={"rows": rows})
    )


class IncidentForm(BootstrapForm):
    """Declare an incident. The regions are offered by the view (templates run no queries)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    details_id = _details(_("Public details (Indonesian)"))
    details_en = _details(_("Public details (English, optional)"), required=False)
    regions = forms.TypedMultipleChoiceField(
        label=_("Regions"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    service_kinds = forms.MultipleChoiceField(
        label=_("Kinds of service (none chosen: every kind)"),
        choices=ServiceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    started_at = ViewerDateTimeField(required=False)
    expected_restoration_at = ViewerDateTimeField(required=False)

    def __init__(self, *args: Any, regions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zoned_labels(
            self,
            {
                "started_at": _("Started (%(zone)s; empty: now)"),
                "expected_restoration_at": _("Expected restoration (%(zone)s; optional)"),
            },
        )
        self.fields["regions"].choices = regions  # type: ignore[attr-defined]
        for name in ("regions", "service_kinds"):
            # Checkboxes are not form controls to Bootstrap.
            self.fields[name].widget.attrs["class"] = "form-check-input"


class IncidentUpdateForm(BootstrapForm):
    """A public update, owed at once to every linked customer and subscriber."""

    body_id = _details(_("Update (Indonesian)"), rows=3)
    body_en = _details(_("Update (English, optional)"), required=False, rows=3)
    expected_restoration_at = ViewerDateTimeField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zoned_labels(self, {"expected_restoration_at": _("New expected restoration (%(zone)s; optional)")})


class IncidentRestorationForm(BootstrapForm):
    """Change when service is expected back, without an update to the customers."""

    expected_restoration_at = ViewerDateTimeField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zoned_labels(
            self, {"expected_restoration_at": _("Expected restoration (%(zone)s; empty: not known)")}
        )


class IncidentResolveForm(BootstrapForm):
    """Resolve the incident with its RCA: an existing one, or a new one written here."""

    service_fields = {f"rca.{name}": name for name in (*RCA_TEXT_FIELDS, "category")} | {
        "rca": "existing_rca"
    }

    existing_rca = forms.TypedChoiceField(
        label=_("An existing RCA (optional)"), coerce=int, required=False, empty_value=None
    )
    problem_statement = _details(_("Problem"), required=False, rows=2)
    category = forms.ChoiceField(label=_("Root-cause category"), required=False)
    analysis = _details(_("Analysis"), required=False, rows=2)
    temporary_fix = _details(_("Temporary fix"), required=False, rows=2)
    permanent_fix = _details(_("Permanent fix"), required=False, rows=2)

    def __init__(
        self,
        *args: Any,
        recent_rcas: list[tuple[int, str]],
        rca_categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("existing_rca").choices = [("", _("No — write a new one below")), *recent_rcas]
        self.choice_field("category").choices = [("", "—"), *rca_categories]

    def rca(self) -> Any:
        data = self.cleaned_data
        if data["existing_rca"] is not None:
            return data["existing_rca"]
        return {name: data[name] for name in (*RCA_TEXT_FIELDS, "category")}


class TicketNumbersField(forms.MultipleChoiceField):
    """The numbers ticked in the queue: any text, since which of them exist (and may be linked) is
    `incident_link_tickets`'s to say, each with its reason."""

    def valid_value(self, value: str) -> bool:
        return True


class BulkLinkForm(HumaneErrorsMixin, forms.Form):
    """A queue selection linked to one open incident."""

    tickets = TicketNumbersField(
        label=_("Tickets"),
        error_messages={"required": _("Select one or more tickets in the queue.")},
    )
    incident = forms.TypedChoiceField(
        label=_("Incident"),
        coerce=int,
        error_messages={
            "required": _("Choose an open incident."),
            "invalid_choice": _("Choose an open incident."),
        },
    )

    def __init__(self, *args: Any, incidents: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [("", "—"), *incidents]  # type: ignore[attr-defined]

    def clean_tickets(self) -> list[str]:
        numbers = [str(number).strip()[:20] for number in self.cleaned_data["tickets"] if str(number).strip()]
        if len(numbers) > 500:
            raise forms.ValidationError(_("Link at most 500 tickets at once."))
        return numbers

    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
