"""Browser tests: the real pages in Debian's headless Chromium, driven by Playwright, against
pytest-django's live server (a real PostgreSQL database, committed data).

Fixtures:
  browser            one Chromium per test module (skipped, with the reason, if /usr/bin/chromium is missing)
  page               a fresh context and page on the live server (base_url set, Indonesian unless asked)
  login(page, user)  signs `user` in through the login form (password DEMO_PASSWORD below)
  assert_accessible(page)  runs axe-core (tests/browser/vendor/axe.min.js) on the page and fails on any
                     serious or critical violation, listing them
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import share_serialized_contents

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one
# unless told that this test process is not serving async requests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "browser-test-password"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # One Chromium per module, not per session: while Playwright runs, its event loop makes Django
    # keep connections per async context, so the rest of the worker's tests are better off without it.
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        share_serialized_contents()
        yield instance
        instance.close()


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """page_for(locale="en", viewport=None) -> a new page on the live server (for two people at once).

    Every page fails its test if the browser refused anything under the Content-Security-Policy (an
    inline script or handler a template let in): the policy must never be what breaks a page."""
    contexts: list[Any] = []
    refused: list[str] = []

    def watch(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def make(locale: str = "id", viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            extra_http_headers={"Accept-Language": locale},
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield make
    for context in contexts:
        context.close()
    assert refused == [], "the Content-Security-Policy blocked part of a page"


@pytest.fixture
def page(page_for: Callable[..., Any]) -> Any:
    return page_for("en")


@pytest.fixture
def login() -> Callable[[Any, Any], None]:
    """login(page, user): the user (made with make_user, password reset here) signs in by the form."""

    def sign_in(page: Any, user: Any) -> None:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return sign_in


@pytest.fixture
def assert_accessible() -> Callable[[Any], None]:
    def check(page: Any) -> None:
        # Evaluated by the browser's debugging protocol, which the page's Content-Security-Policy does not
        # govern (a <script> tag added to the page would be refused as inline).
        page.evaluate(AXE.read_text(encoding="utf-8") + "\nundefined;")
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        summary = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in bad
        ]
        assert bad == [], f"{page.url}: " + json.dumps(summary, indent=1)

    return check
