"""A member of staff's display zone: which it is (their choice, else their team's region, else the head
office's), setting it, and keeping it in the session so that no page pays a query for it.

The session is written when someone signs in (`remember_on_login`, connected in console.apps) and when
they change the setting; `console.middleware.ViewerTimeZoneMiddleware` reads it on every request. A
change of a team's region reaches its members at their next sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from console.models import StaffPreference
from helpdesk.lib import zones
from helpdesk.lib.errors import InvalidInput
from sla.selectors import region_time_zones
from tickets.models import Team

# The operator's three zones, offered first and in this order (SPEC §2).
OPERATOR_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def time_zone_choices() -> list[str]:
    """The zones a member of staff may read times in: the operator's three, then any other zone a region
    is configured with (memoised with the SLA configuration: no query on a warm process)."""
    others = sorted(set(region_time_zones().values()) - set(OPERATOR_ZONES))
    return [*OPERATOR_ZONES, *others]


def default_time_zone(*, user: AbstractBaseUser | AnonymousUser) -> str:
    """The zone of the first of the user's teams (by name) that has a region, else the head office's."""
    name = (
        Team.objects.filter(members=user.pk, region__isnull=False)
        .order_by("name")
        .values_list("region__timezone", flat=True)
        .first()
    )
    return name or zones.head_office_zone_name()


def chosen_time_zone(*, user: AbstractBaseUser | AnonymousUser) -> str:
    """The zone the user chose themselves; empty when they follow the default."""
    return StaffPreference.objects.filter(user=user.pk).values_list("time_zone", flat=True).first() or ""


def staff_time_zone(*, user: AbstractBaseUser | AnonymousUser) -> str:
    return chosen_time_zone(user=user) or default_time_zone(user=user)


@transaction.atomic
def staff_time_zone_set(*, user: AbstractBaseUser, time_zone: str) -> str:
    """Record the user's own display zone ("" to follow the default again) and return the zone now in
    force. A zone not on offer is refused and nothing is written."""
    if time_zone and time_zone not in time_zone_choices():
        message = _("%(zone)s is not one of the time zones on offer.") % {"zone": time_zone}
        raise InvalidInput(message, fields={"time_zone": [message]})
    StaffPreference.objects.update_or_create(user_id=user.pk, defaults={"time_zone": time_zone})
    return time_zone or default_time_zone(user=user)


def remember(request: HttpRequest, time_zone: str) -> None:
    request.session[zones.SESSION_KEY] = time_zone


def remember_on_login(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    """user_logged_in: the zone is worked out once per sign-in, so pages read it from the session."""
    if request is not None and hasattr(request, "session"):
        remember(request, staff_time_zone(user=user))
