"""Reading the providers' webhooks: their signatures and the shapes of their payloads (Meta's Graph API
webhooks for WhatsApp Business Cloud, Instagram and Facebook pages; the desk's own generic shape).

Nothing here touches the database: a payload becomes `Incoming` messages and `StatusUpdate`s, which
`messaging.services` records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from messaging.models import Provider

# WhatsApp message types that carry no words of a person (Meta sends them, or they cannot be read).
MACHINE_TYPES = frozenset({"system", "unsupported", "reaction", "ephemeral", "request_welcome"})


@dataclass(frozen=True)
class Incoming:
    """One message of a customer, as the desk reads it from a webhook."""

    provider: str
    message_id: str
    phone: str = ""  # as the provider gives it (WhatsApp: digits with the country code)
    handle: str = ""  # "instagram:<id>", "facebook:<id>", or the generic channel's "<channel>:<handle>"
    email: str = ""
    name: str = ""
    text: str = ""
    media_id: str = ""
    media_type: str = ""
    is_public: bool = False
    machine: str = ""  # why it is not a person's message, "" for a person's
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """What a provider says of a message the desk sent (WhatsApp: sent, delivered, read, failed)."""

    message_id: str
    status: str
    at: dt.datetime
    error: str = ""


def signature_valid(*, body: bytes, header: str, secret: str) -> bool:
    """Whether `header` ("sha256=<hex>", as Meta's X-Hub-Signature-256) is the HMAC-SHA256 of the raw
    body with the secret, compared in constant time. Never true without a secret."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def _moment(timestamp: object) -> dt.datetime | None:
    try:
        value = int(str(timestamp))
    except ValueError:
        return None
    if value > 10**11:  # Messenger's and Instagram's timestamps are in milliseconds
        value //= 1000
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object, limit: int = 10_000) -> str:
    return str(value or "").replace("\x00", "")[:limit].strip()


def whatsapp(payload: object) -> tuple[list[Incoming], list[StatusUpdate]]:
    """The messages and statuses of a WhatsApp Business Cloud API webhook (object
    "whatsapp_business_account", entry[].changes[] of field "messages")."""
    messages: list[Incoming] = []
    statuses: list[StatusUpdate] = []
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return messages, statuses
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            own_number = str((value.get("metadata") or {}).get("display_phone_number") or "")
            names = {
                str(contact.get("wa_id")): _text((contact.get("profile") or {}).get("name"), 200)
                for contact in _dicts(value.get("contacts"))
            }
            for message in _dicts(value.get("messages")):
                sender = str(message.get("from") or "")
                kind = str(message.get("type") or "")
                media = message.get(kind) if kind in ("image", "document") else None
                media = media if isinstance(media, dict) else {}
                text = _text((message.get("text") or {}).get("body")) if kind == "text" else ""
                machine = ""
                if kind in MACHINE_TYPES:
                    machine = kind
                elif own_number and sender == own_number.lstrip("+"):
                    machine = "echo"
                messages.append(
                    Incoming(
                        provider=Provider.WHATSAPP,
                        message_id=_text(message.get("id"), 200),
                        phone=sender,
                        name=names.get(sender, ""),
                        text=text or _text(media.get("caption")),
                        media_id=_text(media.get("id"), 200),
                        media_type=_text(media.get("mime_type"), 100),
                        machine=machine,
                        sent_at=_moment(message.get("timestamp")),
                    )
                )
            for status in _dicts(value.get("statuses")):
                at = _moment(status.get("timestamp"))
                errors = _dicts(status.get("errors"))
                error = "; ".join(
                    f"{item.get('code')}: {item.get('title') or item.get('message') or ''}" for item in errors
                )
                if at is not None and status.get("id"):
                    statuses.append(
                        StatusUpdate(
                            message_id=_text(status.get("id"), 200),
                            status=str(status.get("status") or ""),
                            at=at,
                            error=error[:500],
                        )
                    )
    return messages, statuses


def meta(payload: object) -> list[Incoming]:
    """The customers' messages of an Instagram (object "instagram") or Facebook page (object "page")
    webhook: direct messages (entry[].messaging[], echoes of the desk's own skipped), comments on the
    account's posts and mentions of it (entry[].changes[]; public, so marked so)."""
    found: list[Incoming] = []
    if not isinstance(payload, dict) or payload.get("object") not in ("instagram", "page"):
        return found
    provider = Provider.INSTAGRAM if payload["object"] == "instagram" else Provider.FACEBOOK
    for entry in _dicts(payload.get("entry")):
        own_id = str(entry.get("id") or "")
        for event in _dicts(entry.get("messaging")):
            message = event.get("message")
            if not isinstance(message, dict) or not message.get("mid"):
                continue
            sender = str((event.get("sender") or {}).get("id") or "")
            machine = "echo" if message.get("is_echo") or sender == own_id else ""
            found.append(
                Incoming(
                    provider=provider,
                    message_id=_text(message.get("mid"), 200),
                    handle=f"{provider}:{sender}",
                    text=_text(message.get("text")),
                    machine=machine,
                    sent_at=_moment(event.get("timestamp")),
                )
            )
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            field = change.get("field")
            if provider == Provider.INSTAGRAM and field == "comments":
                author = value.get("from") or {}
                sender, name = str(author.get("id") or ""), _text(author.get("username"), 200)
                message_id, text = _text(value.get("id"), 200), _text(value.get("text"))
            elif provider == Provider.INSTAGRAM and field == "mentions":
                # A mention names the comment or caption only by id; its author comes with a Graph call
                # the desk does not make, so the mention is its own sender until an agent links it.
                sender = name = ""
                message_id = _text(value.get("comment_id") or value.get("media_id"), 200)
                text = ""
            elif provider == Provider.FACEBOOK and field == "feed" and value.get("verb") == "add":
                if value.get("item") not in ("comment", "post", "status"):
                    continue
                author = value.get("from") or {}
                sender, name = str(author.get("id") or ""), _text(author.get("name"), 200)
                message_id = _text(value.get("comment_id") or value.get("post_id"), 200)
                text = _text(value.get("message"))
            else:
                continue
            if not message_id:
                continue
            found.append(
                Incoming(
                    provider=provider,
                    message_id=message_id,
                    handle=f"{provider}:{sender or 'mention-' + message_id}",
                    name=name,
                    text=text or ("@mention " + message_id if field == "mentions" else ""),
                    is_public=True,
                    machine="echo" if sender and sender == own_id else "",
                    sent_at=_moment(value.get("created_time") or entry.get("time")),
                )
            )
    return found


def generic(payload: dict[str, Any]) -> Incoming:
    """The desk's own signed shape (messaging.api.InboundSerializer, already validated)."""
    sender = payload["sender"]
    channel = payload["channel"]
    return Incoming(
        provider=Provider.GENERIC,
        message_id=f"{channel}:{payload['message_id']}",
        phone=sender.get("phone") or "",
        email=sender.get("email") or "",
        handle=f"{channel}:{sender['handle']}" if sender.get("handle") else "",
        name=sender.get("name") or "",
        text=payload["text"],
        is_public=payload.get("public", False),
        machine="automated" if payload.get("automated") else "",
        sent_at=payload.get("sent_at"),
    )
