"""What every portal page's footer shows: how to reach the desk by phone, and when (settings.HELPDESK)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _


def desk_contact(request: HttpRequest) -> dict[str, str]:
    phone = settings.HELPDESK["DESK_PHONE"]
    return {
        "desk_phone": phone,
        "desk_phone_link": "".join(char for char in phone if char.isdigit() or char == "+"),
        # Set in the environment as words (DESK_HOURS) or, by default, said in the reader's language.
        "desk_hours": settings.HELPDESK["DESK_HOURS"] or _("every day, 24 hours a day"),
    }
