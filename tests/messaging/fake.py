"""A fake of the providers' HTTP APIs on the loopback (a thread running http.server): the Graph API's
/<phone number id>/messages and /<media id>, a media download URL, and an SMS gateway. It records every
request and answers as each test sets it (status, JSON body, a delay to play a provider that hangs).
Plus the payloads of Meta's webhooks, shaped as Meta's public documentation shows them, and their
signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PHONE_NUMBER_ID = "106540352242922"
BUSINESS_NUMBER = "15550783881"
APP_SECRET = "test-app-secret"
META_SECRET = "test-meta-secret"
GENERIC_SECRET = "test-generic-secret"
VERIFY_TOKEN = "test-verify-token"
CUSTOMER_WA_ID = "6281234567890"
CUSTOMER_PHONE = "+6281234567890"


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json"


class FakeProvider:
    """Answers[path] → Answer; `requests` lists (method, path, headers, parsed JSON body or None)."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                answer = fake.answers.get(self.path, Answer(status=404, body={"error": "unknown"}))
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout under test)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, path: str) -> list[Any]:
        """The JSON bodies POSTed to `path`."""
        return [body for method, p, _headers, body in self.requests if method == "POST" and p == path]


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _whatsapp_value(**extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        **extra,
    }


def whatsapp_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def whatsapp_text(
    message_id: str, text: str, *, wa_id: str = CUSTOMER_WA_ID, name: str = "Sari Dewi"
) -> dict:
    """A text message webhook (Meta's "Text messages" example)."""
    return whatsapp_envelope(
        _whatsapp_value(
            contacts=[{"profile": {"name": name}, "wa_id": wa_id}],
            messages=[
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": "1764750000",
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        )
    )


def whatsapp_image(message_id: str, media_id: str, caption: str = "") -> dict:
    """An image message webhook (Meta's "Image messages" example)."""
    image = {
        "mime_type": "image/jpeg",
        "sha256": "3MaB0N1dQfrE5d3mKy2JYn4Bv3oZ8Vq1H5v+8o0yQ5c=",
        "id": media_id,
    }
    if caption:
        image["caption"] = caption
    return whatsapp_envelope(
        _whatsapp_value(
            contacts=[{"profile": {"name": "Sari Dewi"}, "wa_id": CUSTOMER_WA_ID}],
            messages=[
                {
                    "from": CUSTOMER_WA_ID,
                    "id": message_id,
                    "timestamp": "1764750100",
                    "type": "image",
                    "image": image,
                }
            ],
        )
    )


def whatsapp_status(message_id: str, status: str, *, errors: list[dict] | None = None) -> dict:
    """A status webhook (Meta's "Status messages" example: sent, delivered, read, failed)."""
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": "1764750200",
        "recipient_id": CUSTOMER_WA_ID,
        "conversation": {"id": "CONVERSATION_ID", "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"},
    }
    if errors:
        item["errors"] = errors
    return whatsapp_envelope(_whatsapp_value(statuses=[item]))


def instagram_comment(comment_id: str, text: str, *, user_id: str = "17841405309211844") -> dict:
    """An Instagram "comments" webhook (Meta's Instagram webhooks example)."""
    return {
        "object": "instagram",
        "entry": [
            {
                "id": "17841400000000000",
                "time": 1764750300,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": user_id, "username": "rina.angry"},
                            "media": {"id": "17887498072083520", "media_product_type": "FEED"},
                            "id": comment_id,
                            "text": text,
                        },
                    }
                ],
            }
        ],
    }


def messenger_echo(mid: str) -> dict:
    """A page's own message coming back (Messenger's message_echoes)."""
    return {
        "object": "page",
        "entry": [
            {
                "id": "1234567890",
                "time": 1764750400000,
                "messaging": [
                    {
                        "sender": {"id": "1234567890"},
                        "recipient": {"id": "9876543210"},
                        "timestamp": 1764750400000,
                        "message": {"is_echo": True, "app_id": 1517776481860111, "mid": mid, "text": "Hi"},
                    }
                ],
            }
        ],
    }


def sent_answer(wamid: str) -> Answer:
    """The Cloud API's answer to POST /messages."""
    return Answer(
        body={
            "messaging_product": "whatsapp",
            "contacts": [{"input": CUSTOMER_PHONE, "wa_id": CUSTOMER_WA_ID}],
            "messages": [{"id": wamid}],
        }
    )
