"""Who is asking: the client's address, as every rate limit and the login lock-out see it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(group: str | None, request: HttpRequest) -> str:
    """django-ratelimit's key: the client's address (`client_address`)."""
    return client_address(request)


def client_address(request: HttpRequest) -> str:
    """The client's address: behind NUM_PROXIES proxies of ours, the address the outermost of them was
    given in X-Forwarded-For; otherwise REMOTE_ADDR. Every rate limit, DRF's throttles and the login
    lock-out (AXES_CLIENT_IP_CALLABLE) read it here. (Behind a proxy with NUM_PROXIES unset every client
    would be the proxy: production settings refuse to start without it — helpdesk.settings.production.)"""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return str(request.META.get("REMOTE_ADDR", ""))
