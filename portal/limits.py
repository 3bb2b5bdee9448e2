"""The portal's rate limits: one budget per client address and scope, shared by the pages and the API.

A customer (or a script) gets `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]` requests in all — filing
through the page and through `/api/portal/complaints/` draw on the same count, so using both does not
double it. Rates come from the environment (PORTAL_RATE, PORTAL_TRACK_RATE); the address is the client's
as every limit sees it (helpdesk.lib.clients, NUM_PROXIES)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from helpdesk.lib.clients import client_ip

SCOPES = ("portal", "portal_track")


def _usage(request: HttpRequest, scope: str) -> dict[str, Any] | None:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
    return get_usage(request, group=f"portal:{scope}", key=client_ip, rate=rate, increment=True)


def portal_limited(request: HttpRequest, *, scope: str) -> bool:
    """Count this request against the client's budget for `scope`; whether it is over."""
    usage = _usage(request, scope)
    return bool(usage and usage["should_limit"])


class PortalThrottle(BaseThrottle):
    """DRF's side of the same budget: the view's `throttle_scope` names it."""

    retry_after: float | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", "portal")
        usage = _usage(getattr(request, "_request", request), scope)
        self.retry_after = float(usage["time_left"]) if usage else None
        return not (usage and usage["should_limit"])

    def wait(self) -> float | None:
        return self.retry_after
