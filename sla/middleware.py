"""The SLA configuration's version read once per request (sla.config.one_version)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sla.config import one_version


class ConfigVersionMiddleware:
    """Every read of the memoised configuration in one request compares with the same version, read from
    the shared cache at the first of them: one round trip per request instead of one per read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with one_version():
            return self.get_response(request)
