"""The production settings refuse a missing or guessable SECRET_KEY, redirect plain HTTP to HTTPS except
the load balancer's health check, and send HSTS. Each case imports helpdesk.settings.production in a
process of its own, with only the environment it is about."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Long and varied enough for Django's own check; fixed, so that every test worker collects the same ids.
STRONG_KEY = "test-only-production-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"

# Runs in the child: the production settings, then what SecurityMiddleware does with three requests.
PROBE = """
import json
import django
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

django.setup()
middleware = SecurityMiddleware(lambda request: HttpResponse("ok"))
factory = RequestFactory()
answers = {}
for name, path, headers in [
    ("health", "/health/", {}),
    ("page", "/console/", {}),
    ("behind_proxy", "/console/", {"HTTP_X_FORWARDED_PROTO": "https"}),
]:
    response = middleware(factory.get(path, **headers))
    hsts = response.get("Strict-Transport-Security")
    answers[name] = [response.status_code, response.get("Location"), hsts]
print(json.dumps(answers))
"""


def run(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECRET_KEY", "SECURE_", "ALLOWED_HOSTS", "DJANGO_", "NUM_PROXIES"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.production",
        "ALLOWED_HOSTS": "testserver",
        "NUM_PROXIES": "1",
    }
    env |= environment
    return subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "SECRET_KEY is not set"),
        ("change-me-to-a-long-random-string", "shorter than 50 characters"),
        ("ab" * 40, "fewer than 5 different ones"),
        ("insecure-development-key-change-me-" + "x" * 20, "the development key"),
        ("django-insecure-" + STRONG_KEY, "startproject"),
    ],
    ids=["missing", "short", "simple", "development", "startproject"],
)
def test_production_refuses_to_start_without_a_strong_secret_key(key: str, problem: str) -> None:
    result = run("import django; django.setup()", SECRET_KEY=key)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert problem in last_line
    assert "Set SECRET_KEY in the environment to a random string of at least 50 characters" in last_line


def test_production_redirects_plain_http_except_the_health_check_and_sends_hsts() -> None:
    result = run(PROBE, SECRET_KEY=STRONG_KEY)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "health": [200, None, None],
        "page": [301, "https://testserver/console/", None],
        "behind_proxy": [200, None, "max-age=31536000; includeSubDomains; preload"],
    }


def test_production_leaves_the_redirect_to_a_proxy_that_already_does_it() -> None:
    result = run(
        PROBE,
        SECRET_KEY=STRONG_KEY,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="false",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "health": [200, None, None],
        "page": [200, None, None],
        "behind_proxy": [200, None, "max-age=31536000"],
    }


def test_production_refuses_to_start_without_being_told_how_many_proxies_stand_in_front() -> None:
    """Every rate limit and the login lock-out count per client address; behind a proxy with NUM_PROXIES
    at 0 every customer would be the proxy. There is no safe default, so production asks."""
    assert run("import django; django.setup()", SECRET_KEY=STRONG_KEY, NUM_PROXIES="0").returncode == 0
    env_without = "import os; os.environ.pop('NUM_PROXIES'); import django; django.setup()"
    refused = run(env_without, SECRET_KEY=STRONG_KEY)
    assert refused.returncode != 0
    assert "NUM_PROXIES is not set" in refused.stderr.strip().splitlines()[-1]


def test_a_server_started_without_settings_runs_production_and_refuses_the_development_key() -> None:
    """helpdesk.wsgi (what gunicorn loads) and the Celery app default to the production settings: left
    unset, DJANGO_SETTINGS_MODULE does not give a server the development SECRET_KEY."""
    for module in ("helpdesk.wsgi", "helpdesk.celery"):
        unset = "import os; os.environ.pop('DJANGO_SETTINGS_MODULE')"
        code = f"{unset}; import {module}; import django; django.setup()"
        result = run(code)
        assert result.returncode != 0, module
        assert "SECRET_KEY is not set" in result.stderr.strip().splitlines()[-1], result.stderr[-500:]
