"""The Content-Security-Policy (issue 18, finding 10): every page carries it, scripts come only from our
own static files, and no template holds what that policy would block — an inline script, a handler
attribute (`onclick=`) or a `javascript:` link — so the pages keep working under it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
# A <script> that executes (not a JSON data block) without a src attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
# htmx evaluates these as JavaScript strings (trigger filters, hx-on, js: values), which no eval allows.
HTMX_EVAL = re.compile(r"""hx-trigger="[^"]*\[|hx-on[:-]|hx-vals=["']\s*js:""", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)
# The API documentation pages are drf-spectacular's, under their own policy (helpdesk.urls).
OWN_POLICY = {"templates/drf_spectacular/redoc.html"}


def templates() -> list[Path]:
    return sorted(path for path in (ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_no_template_holds_what_the_policy_blocks(path: Path) -> None:
    if str(path.relative_to(ROOT)) in OWN_POLICY:
        return
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "move the script into static/js (the policy runs no inline script)"
    assert not HANDLER.search(text), "use a data- attribute and a listener in static/js instead"
    assert not JAVASCRIPT_URL.search(text)
    assert not HTMX_EVAL.search(text), "htmx would eval this; listen for htmx's events in static/js instead"


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/portal/", "/portal/file/", "/accounts/login/", "/health/"])
def test_every_page_carries_a_policy_that_runs_only_our_own_scripts(url: str) -> None:
    response = Client().get(url)
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_staff_pages_carry_it_too(make_user: Any) -> None:
    client = Client()
    agent = make_user("agent")
    client.force_login(
        type(agent).objects.get(pk=agent.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    for url in ("/console/", "/console/tickets/new/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_only_the_api_documentation_lets_its_inline_start_up_script_run(make_user: Any) -> None:
    client = Client()
    agent = make_user("agent")
    client.force_login(
        type(agent).objects.get(pk=agent.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "'unsafe-inline'" in policy(response)["script-src"]
