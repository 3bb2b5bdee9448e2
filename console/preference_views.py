"""The staff member's own settings page (reached from the header): the zone they read times in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console import preferences
from console.forms import BootstrapForm
from console.views import staff_required
from helpdesk.lib import zones
from helpdesk.lib.errors import InvalidInput
from helpdesk.lib.http import signed_in_user


class TimeZoneForm(BootstrapForm):
    """The display zone: one of those on offer, or empty to follow the default (named in the choice)."""

    time_zone = forms.ChoiceField(label=gettext_lazy("Show times in"), required=False)

    def __init__(self, *args: Any, default_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.now()
        automatic = _("Automatic: %(zone)s (your team's region, else the head office)") % {
            "zone": zones.zone_description(default_zone)
        }
        field = self.choice_field("time_zone")
        field.choices = [
            ("", automatic),
            *(
                (name, f"{zones.zone_description(name)} · {zones.moment_text(now, 'time', zones.zone(name))}")
                for name in preferences.time_zone_choices()
            ),
        ]
        field.error_messages["invalid_choice"] = _(
            "%(value)s is not one of the time zones on offer: choose one from the list."
        )


@staff_required
def my_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the setting, POST changes it (a refused value changes nothing and says why)."""
    user = signed_in_user(request)
    default_zone = preferences.default_time_zone(user=user)
    status = 200
    if request.method == "POST":
        form = TimeZoneForm(request.POST, default_zone=default_zone)
        if form.is_valid():
            try:
                in_force = preferences.staff_time_zone_set(
                    user=user, time_zone=form.cleaned_data["time_zone"]
                )
            except InvalidInput as exc:
                for message in exc.fields.get("time_zone", [exc.message]):
                    form.add_error("time_zone", message)
            else:
                preferences.remember(request, in_force)
                messages.success(
                    request,
                    _("Times are now shown in %(zone)s.") % {"zone": zones.zone_description(in_force)},
                )
                return redirect("console:my_settings")
        status = 400
    else:
        form = TimeZoneForm(
            initial={"time_zone": preferences.chosen_time_zone(user=user)}, default_zone=default_zone
        )
    context = {
        "form": form,
        "in_force": zones.zone_description(str(zones.current_zone().key)),
        "default_zone": zones.zone_description(default_zone),
    }
    return render(request, "console/my_settings.html", context, status=status)
