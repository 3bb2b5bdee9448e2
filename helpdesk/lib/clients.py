"""Who is asking: the client's address, as every rate limit and the login lock-out see it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(group: str | None, request: HttpRequest) -> str:
    """The client's address: behind NUM_PROXIES proxies of ours, the address the outermost of them was
    given in X-Forwarded-For; otherwise REMOTE_ADDR. (Behind a proxy with NUM_PROXIES unset every client
    would be the proxy: production settings refuse that — see helpdesk.settings.production.)"""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return str(request.META.get("REMOTE_ADDR", ""))
