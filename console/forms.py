"""Forms of the staff console. They check the shape of the input (a number is a number, a choice is one
of the offered ones); the rules of the domain (valid contact details, times in the past, what a stage
needs) stay in tickets.services, whose InvalidInput errors the views put back on these forms' fields.

Every action form is rendered with the action as its prefix ("verify-classification"), so the many forms
of one ticket page never share an id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.errors import InvalidInput
from helpdesk.lib.humane import HumaneErrorsMixin
from notifications.services import customer_language
from tickets.models import (
    CLOSE_REASONS_BY_STAGE,
    Action,
    Category,
    Channel,
    Classification,
    CloseReason,
    Customer,
    CustomerTier,
    MacroLanguage,
    Region,
    Service,
    Stage,
    Ticket,
)

STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.PORTAL]
MESSAGE_MAX = settings.HELPDESK["MESSAGE_MAX_LENGTH"]
NOTE_MAX = 2000
RCA_TEXT_FIELDS = ("problem_statement", "analysis", "temporary_fix", "permanent_fix")


class BootstrapForm(HumaneErrorsMixin, forms.Form):
    """Gives every widget Bootstrap's class, and marks fields with errors invalid (with aria-invalid)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            widget = form_field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def choice_field(self, name: str) -> forms.ChoiceField:
        """This form's own copy of a declared choice field, whose choices are set when the form is made
        (`fields` is typed as holding plain Fields)."""
        form_field = self.fields[name]
        if not isinstance(form_field, forms.ChoiceField):
            raise TypeError(f"{name!r} is not a choice field")
        return form_field

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", "").split():
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-errors"

    def add_service_errors(self, error: InvalidInput, mapping: dict[str, str] | None = None) -> None:
        """Put a service's field errors next to this form's fields (unknown fields: at the top)."""
        mapping = mapping or {}
        for key, messages in error.fields.items():
            name = mapping.get(key, key)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not error.fields:
            self.add_error(None, error.message)
        self.mark_invalid()


# --- Logging a complaint ------------------------------------------------------------------------------


class WallClockDateTimeField(forms.DateTimeField):
    """A time as typed, without a zone (the wall clock of the customer's region): the service reads it
    in the zone the complaint lives in, which the form cannot know before the customer is found."""

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        # Django attached the current zone without shifting the time: take it off again.
        return None if result is None else result.replace(tzinfo=None)


class ComplaintForm(BootstrapForm):
    """A complaint taken by phone, at the counter, by email or from social media."""

    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        queryset=Customer.objects.select_related("region"),
        required=False,
        widget=forms.HiddenInput,
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.select_related("region"),
        required=False,
        widget=forms.HiddenInput,
    )
    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False, widget=forms.EmailInput)
    tier = forms.ChoiceField(label=_("Tier"), choices=CustomerTier.choices, initial=CustomerTier.REGULAR)
    # A plain choice read in __init__ (in the view), so that rendering the form runs no query.
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    description = forms.CharField(
        label=_("What the customer says"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.HELPDESK["DESCRIPTION_MAX_LENGTH"],
    )
    incident_at = WallClockDateTimeField(
        label=_(
            "When it started — local time of the service's region (else the customer's region; "
            "WIB, Jakarta time, if neither is known)"
        ),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    public_exposure = forms.BooleanField(
        label=_("Raised in public (social media, the press): handled with priority"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {region.pk: region for region in Region.objects.order_by("name")}
        self.choice_field("region").choices = [
            ("", _("(unknown)")),
            *((pk, f"{region.name} ({region.timezone})") for pk, region in self.regions.items()),
        ]

    def clean_region(self) -> Region | None:
        chosen = self.cleaned_data.get("region")
        return self.regions.get(chosen) if chosen is not None else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        customer = data.get("customer")
        service = data.get("service")
        if customer is None:
            if not (data.get("name") or "").strip():
                self.add_error("name", _("Choose a customer from the look-up or give a name."))
            if not (data.get("email") or "").strip() and not (data.get("phone") or "").strip():
                self.add_error("phone", _("Give the customer's phone number or email."))
        if service is not None and (customer is None or service.customer_id != customer.pk):
            self.add_error(None, _("The chosen service does not belong to the chosen customer."))
        return data


# --- The actions of the ticket page -------------------------------------------------------------------


@dataclass
class ActionChoices:
    """What the action forms offer, read by the view before rendering (templates run no queries)."""

    teams: list[tuple[int, str]] = field(default_factory=list)
    routed_team: str = ""
    technicians: list[tuple[int, str]] = field(default_factory=list)
    people: list[tuple[int, str]] = field(default_factory=list)
    rca_categories: list[tuple[str, str]] = field(default_factory=list)
    recent_rcas: list[tuple[int, str]] = field(default_factory=list)
    incidents: list[tuple[int, str]] = field(default_factory=list)


class ActionForm(BootstrapForm):
    """The fields of one action of `tickets.services.ticket_act`. `data_for_service()` gives the action
    its data under the keys its `_do_<action>` reads; `service_fields` maps the service's error keys
    back to this form's fields."""

    action: ClassVar[Action]
    service_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, ticket: Ticket, choices: ActionChoices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action.value)
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.choices = choices

    def data_for_service(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def put_service_errors(self, error: InvalidInput) -> None:
        self.add_service_errors(error, self.service_fields)


def _text(label: Any, *, required: bool = True, max_length: int = NOTE_MAX, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class RespondForm(ActionForm):
    action = Action.RESPOND

    body = _text(_("Reply to the customer"), max_length=MESSAGE_MAX, rows=3)
    channel = forms.ChoiceField(
        label=_("How the customer hears it"),
        required=False,
        choices=[
            ("", _("The customer's channel (WhatsApp, SMS or email)")),
            (Channel.EMAIL, _("Email to the customer")),
            (Channel.WHATSAPP, _("WhatsApp (email if it is off)")),
            (Channel.SMS, _("SMS (email if it is off)")),
            (Channel.PHONE, _("Told by phone (logged as contact)")),
            (Channel.WALK_IN, _("Told at the counter (logged as contact)")),
            (Channel.SOCIAL, _("Social media (also emailed)")),
        ],
    )


class NoteForm(ActionForm):
    action = Action.NOTE

    body = _text(_("Internal note (staff only, never shown to the customer)"), max_length=MESSAGE_MAX, rows=3)


class VerifyForm(ActionForm):
    action = Action.VERIFY

    service_status_checked = forms.BooleanField(label=_("I checked the service status"), required=False)
    billing_checked = forms.BooleanField(label=_("I checked the billing standing"), required=False)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=[("", "—"), *Classification.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category (correct it if needed)"), choices=Category.choices, required=False
    )
    note = _text(_("Note (required when the service is not active or the bill is overdue)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.ticket.service
        if service is not None:
            self.fields["service_status_checked"].label = _(
                "I checked the service status (now: %(status)s)"
            ) % {"status": service.get_status_display()}
            billing = service.get_billing_status_display()
            if service.overdue_amount:
                billing = f"{billing}, Rp {service.overdue_amount:,.0f}"
            self.fields["billing_checked"].label = _("I checked the billing standing (now: %(billing)s)") % {
                "billing": billing
            }
        self.fields["classification"].initial = self.ticket.classification
        self.fields["category"].initial = self.ticket.category

    def data_for_service(self) -> dict[str, Any]:
        return {
            "service_status_checked": self.cleaned_data["service_status_checked"],
            "billing_checked": self.cleaned_data["billing_checked"],
            "classification": self.cleaned_data["classification"],
            "category": self.cleaned_data["category"],
            "note": self.cleaned_data["note"],
        }


class DispatchForm(ActionForm):
    action = Action.DISPATCH

    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    assignee = forms.TypedChoiceField(
        label=_("Technician (optional)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        routed = self.choices.routed_team or _("none configured")
        self.choice_field("team").choices = [
            ("", _("The category's team (%(team)s)") % {"team": routed}),
            *self.choices.teams,
        ]
        self.choice_field("assignee").choices = [("", _("Nobody yet")), *self.choices.technicians]


class ResolveForm(ActionForm):
    action = Action.RESOLVE
    service_fields = {f"rca.{name}": name for name in (*RCA_TEXT_FIELDS, "category")} | {
        "rca": "existing_rca"
    }

    existing_rca = forms.TypedChoiceField(
        label=_("Same incident as an earlier RCA (optional)"), coerce=int, required=False, empty_value=None
    )
    problem_statement = _text(_("Problem"), required=False, max_length=10_000)
    category = forms.ChoiceField(label=_("Root-cause category"), required=False)
    analysis = _text(_("Analysis"), required=False, max_length=10_000)
    temporary_fix = _text(_("Temporary fix"), required=False, max_length=10_000)
    permanent_fix = _text(_("Permanent fix"), required=False, max_length=10_000)
    summary = _text(_("Summary for the record (optional)"), required=False, max_length=4000)
    customer_message = _text(
        _("Message to the customer (sent on their channel, shown on their tracking page)"),
        max_length=MESSAGE_MAX,
        rows=4,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("existing_rca").choices = [
            ("", _("No — write a new one below")),
            *self.choices.recent_rcas,
        ]
        self.choice_field("category").choices = [("", "—"), *self.choices.rca_categories]
        # Prefilled in the customer's language; static/js/console.js adds the fix or the summary as it is
        # typed, until the agent edits the message themselves.
        greeting = resolution_greeting(self.ticket)
        message = self.fields["customer_message"]
        message.initial = greeting
        message.widget.attrs["data-resolution-greeting"] = greeting

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["existing_rca"] is not None:
            rca: Any = data["existing_rca"]
        else:
            rca = {name: data[name] for name in (*RCA_TEXT_FIELDS, "category")}
        return {"rca": rca, "summary": data["summary"], "customer_message": data["customer_message"]}


def resolution_greeting(ticket: Ticket) -> str:
    """The opening of the resolution message, in the language the customer reads."""
    with translation.override(customer_language(ticket)):
        return gettext("Hello %(name)s, the problem reported in ticket %(number)s has been fixed.") % {
            "name": ticket.customer.name,
            "number": ticket.number,
        }


class ConfirmForm(ActionForm):
    action = Action.CONFIRM

    csat = forms.IntegerField(
        label=_("Satisfaction, 1 (poor) to 5 (excellent)"), min_value=1, max_value=5, required=False
    )
    nps = forms.IntegerField(
        label=_("Would recommend us, 0 (not at all) to 10 (certainly)"),
        min_value=0,
        max_value=10,
        required=False,
    )
    comment = _text(_("The customer's comment (optional)"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("csat") is None and (data.get("nps") is not None or data.get("comment")):
            # The rating is recorded with its satisfaction score; without it the rest would be lost.
            self.add_error("csat", _("Give the satisfaction score too, or leave the rating empty."))
        return data


class RejectForm(ActionForm):
    action = Action.REJECT

    reason = _text(_("What the customer says is still wrong"), required=False)


class CloseForm(ActionForm):
    action = Action.CLOSE

    reason = forms.ChoiceField(label=_("Reason"))
    duplicate_of = forms.CharField(label=_("Duplicate of ticket number"), max_length=20, required=False)
    note = _text(_("Note (required for duplicates and invalid complaints)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CLOSE_REASONS_BY_STAGE.get(Stage(self.ticket.stage), frozenset())
        self.choice_field("reason").choices = [
            (reason.value, reason.label) for reason in CloseReason if reason in allowed
        ]
        if CloseReason.DUPLICATE not in allowed:
            del self.fields["duplicate_of"]


class EscalateForm(ActionForm):
    """A direct escalation to the Director of Network Operations (SPEC §7: strategic cases, or a case that
    may cause a large customer a loss). Time-based and dissatisfaction escalations are automatic."""

    action = Action.ESCALATE
    service_fields = {"level": "reason"}

    reason = _text(_("Why the director must look at it"))

    def data_for_service(self) -> dict[str, Any]:
        return {"level": 3, "reason": self.cleaned_data["reason"]}


class PauseForm(ActionForm):
    action = Action.PAUSE

    reason = _text(_("What we are waiting for from the customer (optional)"), required=False)


class ResumeForm(ActionForm):
    action = Action.RESUME


class AssignForm(ActionForm):
    action = Action.ASSIGN
    NOBODY = "nobody"

    assignee = forms.ChoiceField(label=_("Assignee"))
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("assignee").choices = [
            ("", "—"),
            *[(str(pk), name) for pk, name in self.choices.people],
            (self.NOBODY, _("Nobody (unassign)")),
        ]
        self.choice_field("team").choices = [("", _("Keep the current team")), *self.choices.teams]

    def data_for_service(self) -> dict[str, Any]:
        chosen = self.cleaned_data["assignee"]
        data: dict[str, Any] = {"assignee": "" if chosen == self.NOBODY else int(chosen)}
        if self.cleaned_data["team"] is not None:
            data["team"] = self.cleaned_data["team"]
        return data


class ReclassifyForm(ActionForm):
    action = Action.RECLASSIFY

    classification = forms.ChoiceField(label=_("New classification"))
    reason = _text(_("Why"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("classification").choices = [
            (value, label) for value, label in Classification.choices if value != self.ticket.classification
        ]


class LinkIncidentForm(ActionForm):
    """SPEC §10: this complaint is part of a known mass incident."""

    action = Action.LINK_INCIDENT

    incident = forms.TypedChoiceField(label=_("Incident"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("incident").choices = [("", "—"), *self.choices.incidents]


class UnlinkIncidentForm(ActionForm):
    action = Action.UNLINK_INCIDENT


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action.value: form
    for form in (
        RespondForm,
        NoteForm,
        VerifyForm,
        DispatchForm,
        ResolveForm,
        ConfirmForm,
        RejectForm,
        CloseForm,
        EscalateForm,
        PauseForm,
        ResumeForm,
        AssignForm,
        ReclassifyForm,
        LinkIncidentForm,
        UnlinkIncidentForm,
    )
}


def action_forms(
    actions: Sequence[str], *, ticket: Ticket, choices: ActionChoices, bound: ActionForm | None = None
) -> list[ActionForm]:
    """One form per action, in the flow table's order; the form just posted (with its errors) in its place."""
    return [
        bound
        if bound is not None and bound.action == action
        else ACTION_FORMS[action](ticket=ticket, choices=choices)
        for action in actions
    ]


class AttachForm(BootstrapForm):
    """A file staff attach to a ticket from its page (the same size and type limits as everywhere:
    tickets.services.attachment_check); internal unless they say the customer may see it."""

    file = forms.FileField(label=_("File"))
    is_public = forms.BooleanField(label=_("The customer may see it on the portal"), required=False)


class MacroForm(BootstrapForm):
    """A canned reply as supervisors write it (tickets.services.macro_save checks it again)."""

    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Placeholders filled in on each ticket: {customer_name}, {ticket_number}, {agent_name}."),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    language = forms.ChoiceField(label=_("Language"), choices=MacroLanguage.choices)
    is_active = forms.BooleanField(label=_("Active (offered in the reply box)"), required=False, initial=True)
