"""When the database is away (restarting, failing over), a request gets a clear 503 with Retry-After —
in the API's error shape on /api/, a page otherwise — not Django's 500. Nothing is half-written: every
service writes in one transaction, which the database rolls back with the lost connection; Django opens
a new connection on the next request, so the desk serves again as soon as the database answers."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database_unavailable", path=request.path, error=str(exception)[:200])
        message = _("The helpdesk is briefly unavailable. Please try again in a few seconds.")
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "unavailable", "message": message, "fields": {}}, status=503)
        else:
            # No template: rendering one may need the database (sessions, context processors).
            response = HttpResponse(
                f"<!doctype html><title>503</title><h1>{message}</h1>", status=503, content_type="text/html"
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
