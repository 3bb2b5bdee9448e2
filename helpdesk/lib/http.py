"""Requests as the views see them, typed: the person behind one, and django-htmx's details on it."""

from __future__ import annotations

import unicodedata
from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
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


def safe_download_name(name: str) -> str:
    """A file name fit for a Content-Disposition header and any disk: no folders, quotes, control or
    format characters, no leading dots (a hidden file), at most 150 characters; "attachment" if nothing
    is left."""
    kept = "".join(
        "_" if char in '/\\"*:<>?|' or (unicodedata.category(char)[0] in "CZ" and char != " ") else char
        for char in unicodedata.normalize("NFC", name)
    )
    kept = kept.strip().lstrip(".")[-150:]
    return kept or "attachment"


def download_response(file: IO[bytes], *, name: str, content_type: str) -> FileResponse:
    """A stored file sent as a download: streamed, with the Content-Type recorded when it was accepted,
    always as an attachment (never shown inline, so an uploaded HTML or SVG can run nothing on our
    origin), not sniffed, sandboxed, and kept out of shared caches."""
    if content_type.startswith("text/") and "charset" not in content_type:
        content_type += "; charset=utf-8"
    response = FileResponse(
        file, as_attachment=True, filename=safe_download_name(name), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
