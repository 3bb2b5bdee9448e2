"""Forms of the staff console. They check the shape of the input; the rules of the domain (valid
contact details, times in the past, lengths) stay in tickets.services, whose InvalidInput errors the
views put back on these forms' fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Channel, Customer, CustomerTier, Region, Service

STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.PORTAL]


class ComplaintForm(forms.Form):
    """A complaint taken by phone, at the counter, by email or from social media."""

    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        queryset=Customer.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.all(), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=CustomerTier.choices, initial=CustomerTier.REGULAR)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("name"), required=False, empty_label=_("(none)")
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    description = forms.CharField(
        label=_("What the customer says"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.HELPDESK["DESCRIPTION_MAX_LENGTH"],
    )
    incident_at = forms.DateTimeField(
        label=_("When it started (local time of the customer's region)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    public_exposure = forms.BooleanField(label=_("Raised in public (media, social media)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        customer = data.get("customer")
        service = data.get("service")
        if customer is None:
            if not data.get("name"):
                self.add_error("name", _("Choose a customer from the look-up or give a name."))
            if not data.get("email") and not data.get("phone"):
                self.add_error("phone", _("Give the customer's phone number or email."))
        if service is not None and (customer is None or service.customer_id != customer.pk):
            self.add_error(None, _("The chosen service does not belong to the chosen customer."))
        return data
