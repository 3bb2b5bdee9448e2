"""The tests' signed-in Django clients."""

from __future__ import annotations

from typing import Any

from django.test import Client


def client_for(user: Any, language: str = "en") -> Client:
    """A test client signed in as `user`, asking for pages in `language`. Signs in with the row as stored:
    the factories set the password after saving, and the session keeps a hash of the stored one."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client
