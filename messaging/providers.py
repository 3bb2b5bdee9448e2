"""The providers' HTTP APIs, called by the worker only (never in a request), each call with the
configured timeout (settings.CHANNELS["HTTP_TIMEOUT_SECONDS"]). A network failure or a 5xx answer is
raised as requests' exceptions (OSError), which the tasks retry; a 4xx answer to a send is the
provider's refusal (notifications.services.DeliveryRefused), which no retry would change."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from notifications.services import DeliveryRefused


class TooLarge(Exception):
    """The media is larger than the desk accepts: it is not downloaded further."""


def _timeout() -> float:
    return float(settings.CHANNELS["HTTP_TIMEOUT_SECONDS"])


def _post(url: str, *, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=_timeout()
    )
    if 400 <= response.status_code < 500:
        raise DeliveryRefused(f"{response.status_code}: {response.text[:500]}")
    response.raise_for_status()
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def whatsapp_send(payload: dict[str, Any]) -> str:
    """POST a message to the Cloud API's /<phone number id>/messages; returns its "wamid." id."""
    config = settings.CHANNELS
    url = f"{config['GRAPH_API_URL']}/{config['WHATSAPP_PHONE_NUMBER_ID']}/messages"
    answer = _post(url, token=config["WHATSAPP_TOKEN"], payload={"messaging_product": "whatsapp", **payload})
    messages = answer.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return str(messages[0].get("id") or "")
    return ""


def sms_send(*, to: str, text: str, reference: str) -> str:
    """POST {to, text, reference} to the SMS gateway (SMS_GATEWAY_URL, bearer SMS_GATEWAY_TOKEN);
    returns the gateway's id of the message if it gives one."""
    config = settings.CHANNELS
    answer = _post(
        config["SMS_GATEWAY_URL"],
        token=config["SMS_GATEWAY_TOKEN"],
        payload={"to": to, "text": text, "reference": reference},
    )
    return str(answer.get("id") or answer.get("message_id") or "")


def whatsapp_media(media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
    """Download a WhatsApp media item: its URL and type from GET /<media id>, then the bytes (with the
    token), read no further than `max_bytes` (TooLarge beyond). Returns (content, content type)."""
    config = settings.CHANNELS
    headers = {"Authorization": f"Bearer {config['WHATSAPP_TOKEN']}"}
    meta = requests.get(f"{config['GRAPH_API_URL']}/{media_id}", headers=headers, timeout=_timeout())
    meta.raise_for_status()
    info = meta.json()
    if int(info.get("file_size") or 0) > max_bytes:
        raise TooLarge
    content_type = str(info.get("mime_type") or "").split(";")[0].strip()
    with requests.get(str(info["url"]), headers=headers, timeout=_timeout(), stream=True) as download:
        download.raise_for_status()
        chunks, size = [], 0
        for chunk in download.iter_content(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge
            chunks.append(chunk)
    return b"".join(chunks), content_type
