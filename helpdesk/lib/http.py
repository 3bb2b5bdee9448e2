"""Requests as the views see them, typed: the person behind one, and django-htmx's details on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from rest_framework.request import Request


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (in every settings module), which sets
    `request.htmx`. For annotations only: the request itself stays Django's."""

    htmx: HtmxDetails


def signed_in_user(request: HttpRequest | Request) -> User:
    """The person behind a request that a sign-in check (`login_required`, the console's
    `staff_required`, the API's IsStaffMember) has let through.

    `request.user` is typed "a user or AnonymousUser"; the services want the person. The check below is
    the narrowing: behind those guards it never refuses anyone (so it has no message of its own)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user
