"""The providers' webhooks (Meta's Graph API family): the GET verification handshake and the signed
POSTs. Thin: the signature is checked on the raw body before anything is read, then each message and
status goes to messaging.services. Nothing here calls a provider (media is fetched by the worker).

A channel that is not configured answers 404 with a sentence saying so."""

from __future__ import annotations

import json

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from messaging import payloads, services

log = structlog.get_logger(__name__)


def _off(name: str) -> HttpResponse:
    return HttpResponse(
        _("The %(channel)s channel is not configured.") % {"channel": name},
        status=404,
        content_type="text/plain; charset=utf-8",
    )


def _handshake(request: HttpRequest, verify_token: str) -> HttpResponse:
    """Meta's subscription check: hub.mode=subscribe and our verify token → echo hub.challenge."""
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    if mode == "subscribe" and verify_token and constant_time_compare(token, verify_token):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponseForbidden(_("Verification refused."))


def _signed_json(request: HttpRequest, secret: str) -> object | HttpResponse:
    header = request.headers.get("X-Hub-Signature-256", "")
    if not payloads.signature_valid(body=request.body, header=header, secret=secret):
        log.warning("webhook_signature_refused", path=request.path)
        return HttpResponseForbidden(_("Bad signature."))
    try:
        return json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest(_("The body is not JSON."))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    config = settings.CHANNELS
    if not config["WHATSAPP_APP_SECRET"]:
        return _off("WhatsApp")
    if request.method == "GET":
        return _handshake(request, config["WHATSAPP_VERIFY_TOKEN"])
    payload = _signed_json(request, config["WHATSAPP_APP_SECRET"])
    if isinstance(payload, HttpResponse):
        return payload
    messages, statuses = payloads.whatsapp(payload)
    for incoming in messages:
        services.inbound_receive(incoming=incoming)
    services.statuses_record(statuses=statuses)
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    """Instagram and Facebook page webhooks (comments, mentions, direct messages)."""
    config = settings.CHANNELS
    if not config["META_APP_SECRET"]:
        return _off("Instagram/Facebook")
    if request.method == "GET":
        return _handshake(request, config["META_VERIFY_TOKEN"])
    payload = _signed_json(request, config["META_APP_SECRET"])
    if isinstance(payload, HttpResponse):
        return payload
    for incoming in payloads.meta(payload):
        services.inbound_receive(incoming=incoming)
    return HttpResponse("OK", content_type="text/plain")
