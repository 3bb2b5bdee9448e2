"""Every staff page shows times in the viewer's own zone (console.preferences)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from console.preferences import remember, staff_time_zone
from helpdesk.lib import zones
from helpdesk.lib.roles import is_staff_member


class ViewerTimeZoneMiddleware:
    """Activates the signed-in viewer's display zone for the request, read from the session (loaded for
    the sign-in check anyway: no query). Not for the API, whose times are ISO 8601 in UTC whoever asks,
    and only with a session cookie, so an anonymous request loads nothing. A session from before this
    setting existed gets its zone worked out once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = None
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path_info.startswith("/api/"):
            name = request.session.get(zones.SESSION_KEY)
            if name is None and request.user.is_authenticated and is_staff_member(request.user):
                name = staff_time_zone(user=request.user)
                remember(request, name)
        if not name:
            return self.get_response(request)
        timezone.activate(zones.zone(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
