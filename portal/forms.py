"""Forms of the customer portal. They check what a browser can get wrong (missing, too long, not an
email); the services check the rest and their field-level refusals are put back on these forms with
`add_domain_error`, so the customer sees every message next to the field it is about."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from helpdesk.lib.cleaning import clean_past_time
from helpdesk.lib.contact import normalise_phone
from helpdesk.lib.errors import DomainError, InvalidInput
from helpdesk.lib.humane import HumaneErrorsMixin
from tickets.models import Category

# Indonesia's three zones. A customer reports the incident time by the clock on their wall; which wall
# we cannot know before the complaint is linked to a service, so they say it (WIB by default).
TIME_ZONE_CHOICES = [
    ("Asia/Jakarta", pgettext_lazy("time zone", "WIB (Western Indonesia)")),
    ("Asia/Makassar", pgettext_lazy("time zone", "WITA (Central Indonesia)")),
    ("Asia/Jayapura", pgettext_lazy("time zone", "WIT (Eastern Indonesia)")),
]
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
REASON_MAX_LENGTH = 2000


class PortalForm(HumaneErrorsMixin, forms.Form):
    """A form whose fields carry Bootstrap classes, and which can show a service's refusal. (Django
    itself marks invalid fields with aria-invalid and links help texts and errors by aria-describedby.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's field messages on the matching fields, the rest above the form."""
        placed = False
        for name, messages in error.fields.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
            placed = True
        if not placed:
            self.add_error(None, error.message)


class ComplaintForm(PortalForm):
    name = forms.CharField(label=_("Your full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("For example 0812 3456 7890 or +62 812 3456 7890."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    category = forms.ChoiceField(
        label=_("What is the problem about?"),
        choices=[("", _("Choose one")), *Category.choices],
    )
    service_ref = forms.CharField(
        label=_("Service reference (optional)"),
        max_length=64,
        required=False,
        help_text=_("The circuit or account number on your invoice, if you have it."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=settings.HELPDESK["DESCRIPTION_MAX_LENGTH"],
        help_text=_("Describe the problem: what does not work, where, and since when."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    incident_at = forms.DateTimeField(
        label=_("When did it start?"),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    incident_time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial=settings.HELPDESK["DEFAULT_REGION_TIME_ZONE"]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_phone(self) -> str:
        # Checked here too (the service checks again) so that a bad number is reported together with
        # every other mistake, not on a second submission.
        phone = self.cleaned_data["phone"]
        try:
            normalise_phone(phone)
        except ValidationError as exc:
            raise ValidationError(_("Enter a valid phone number, e.g. 0812 3456 7890.")) from exc
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        moment = cleaned.get("incident_at")
        zone = cleaned.get("incident_time_zone")
        if isinstance(moment, dt.datetime) and zone:
            # The browser sends wall-clock time; Django read it in the server's zone. Re-read it in the
            # zone the customer chose.
            moment = moment.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone))
            cleaned["incident_at"] = moment
            # The service's own check, here too, so that a time in the future is reported together
            # with every other mistake rather than after them.
            try:
                clean_past_time(moment, field="incident_at", now=timezone.now())
            except InvalidInput as exc:
                for message in exc.fields.get("incident_at", [exc.message]):
                    self.add_error("incident_at", message)
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """What `tickets.services.ticket_file_from_portal` takes, from the cleaned form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "category": data["category"],
            "description": data["description"],
            "incident_at": data["incident_at"],
            "service_ref": data.get("service_ref", ""),
        }


class TrackForm(PortalForm):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=40,
        help_text=_("As in the confirmation we sent you, e.g. K7QM-4X2A."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    contact = forms.CharField(
        label=_("Email or phone number you gave us"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )


class RejectForm(PortalForm):
    reason = forms.CharField(
        label=_("What is still not working?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


CSAT_CHOICES = [
    (1, _("1 – very dissatisfied")),
    (2, _("2 – dissatisfied")),
    (3, _("3 – neutral")),
    (4, _("4 – satisfied")),
    (5, _("5 – very satisfied")),
]
NPS_CHOICES = [(value, str(value)) for value in range(11)]


class RateForm(PortalForm):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your complaint?"),
        choices=CSAT_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague? (0 = not at all, 10 = very)"),
        choices=NPS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SubscribeForm(PortalForm):
    """ "I am affected — keep me informed" of an incident: an email or a phone number (the service
    checks them, and that at least one is given)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("or mobile phone number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, max_files: int, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > self.max_files:
            raise ValidationError(
                _("Attach at most %(count)s files to one message."),
                code="too_many_files",
                params={"count": self.max_files},
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


MAX_FILES_PER_MESSAGE = 5


class ReplyForm(PortalForm):
    body = forms.CharField(
        label=_("Your message"),
        max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(
        label=_("Photos or screenshots (optional)"),
        required=False,
        max_files=MAX_FILES_PER_MESSAGE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language (a lazy text formatted at import would not be).
        self.fields["attachments"].help_text = _(
            "Up to %(count)s files, each up to %(mb)s MB: photos (JPG, PNG), PDF or text."
        ) % {"count": MAX_FILES_PER_MESSAGE, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        accepted = [ext for exts in settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"].values() for ext in exts]
        self.fields["attachments"].widget.attrs["accept"] = ",".join(
            [*settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"], *accepted]
        )
