from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.messaging import fake as fakes


@pytest.fixture
def fake() -> Iterator[fakes.FakeProvider]:
    with fakes.FakeProvider() as provider:
        yield provider


def configured(url: str, **overrides: Any) -> dict[str, Any]:
    """settings.CHANNELS with every channel on, the providers at `url` (the fake)."""
    return {
        **django_settings.CHANNELS,
        "HTTP_TIMEOUT_SECONDS": 2.0,
        "GRAPH_API_URL": url,
        "WHATSAPP_TOKEN": "test-whatsapp-token",
        "WHATSAPP_APP_SECRET": fakes.APP_SECRET,
        "WHATSAPP_PHONE_NUMBER_ID": fakes.PHONE_NUMBER_ID,
        "WHATSAPP_VERIFY_TOKEN": fakes.VERIFY_TOKEN,
        "META_APP_SECRET": fakes.META_SECRET,
        "META_VERIFY_TOKEN": fakes.VERIFY_TOKEN,
        "SMS_GATEWAY_URL": f"{url}/sms",
        "SMS_GATEWAY_TOKEN": "test-sms-token",
        "CHANNEL_WEBHOOK_SECRET": fakes.GENERIC_SECRET,
        **overrides,
    }


@pytest.fixture
def channels(settings: Any, fake: fakes.FakeProvider) -> fakes.FakeProvider:
    """Every channel on, talking to the fake provider."""
    settings.CHANNELS = configured(fake.url)
    return fake


@pytest.fixture
def deliver(client: Any) -> Callable[..., Any]:
    """deliver(path, payload, secret=…, signature=None) → the response to the signed webhook POST."""

    def post(path: str, payload: Any, secret: str = fakes.APP_SECRET, signature: str | None = None) -> Any:
        body = json.dumps(payload).encode()
        header = "X-Hub-Signature-256" if not path.startswith("/api/") else "X-Helpdesk-Signature"
        return client.generic(
            "POST",
            path,
            body,
            content_type="application/json",
            headers={header: signature if signature is not None else fakes.sign(body, secret)},
        )

    return post
