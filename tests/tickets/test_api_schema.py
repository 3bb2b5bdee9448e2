"""The API describes itself (API.md "Schema"): a valid OpenAPI 3 document with every public path, and
browsable docs served from our own static files, never from a CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

EXPECTED_PATHS = {
    "/api/tickets/",
    "/api/tickets/{number}/",
    "/api/tickets/{number}/history/",
    "/api/tickets/{number}/messages/",
    "/api/tickets/{number}/attachments/",
    *(
        f"/api/tickets/{{number}}/{action}/"
        for action in (
            "respond",
            "note",
            "verify",
            "dispatch",
            "resolve",
            "confirm",
            "reject",
            "close",
            "escalate",
            "pause",
            "resume",
            "assign",
            "reclassify",
        )
    ),
    "/api/portal/complaints/",
    "/api/portal/track/",
    "/api/portal/tickets/{number}/confirm/",
    "/api/portal/tickets/{number}/reject/",
    "/api/portal/tickets/{number}/rate/",
    "/api/customers/",
    "/api/customers/{id}/",
    "/api/services/",
    "/api/services/{id}/",
    "/api/regions/",
    "/api/regions/{code}/",
    "/api/teams/",
    "/api/teams/{id}/",
}
# src="…" / href="…" of <script> and <link> tags.
ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


@pytest.fixture
def schema(api: Any, make_user: Any) -> dict[str, Any]:
    response = api(make_user("agent")).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_the_schema_is_a_valid_openapi_3_document(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises jsonschema.ValidationError when it is not
    assert schema["info"]["title"] == settings.SPECTACULAR_SETTINGS["TITLE"]


@pytest.mark.django_db
def test_the_schema_lists_the_ticket_action_portal_and_reference_paths(schema: dict[str, Any]) -> None:
    assert set(schema["paths"]) >= EXPECTED_PATHS, sorted(EXPECTED_PATHS - set(schema["paths"]))
    assert set(schema["paths"]["/api/tickets/"]) >= {"get", "post"}
    assert set(schema["paths"]["/api/customers/"]) >= {"get", "post"}
    assert set(schema["paths"]["/api/services/"]) >= {"get", "post"}
    assert set(schema["paths"]["/api/tickets/{number}/verify/"]) == {"post"}
    assert set(schema["paths"]["/api/portal/track/"]) == {"get"}
    list_parameters = {
        parameter["name"] for parameter in schema["paths"]["/api/tickets/"]["get"]["parameters"]
    }
    assert {
        "stage",
        "classification",
        "category",
        "channel",
        "team",
        "assignee",
        "sla_state",
        "escalation_level",
        "reported_after",
        "reported_before",
        "search",
    } <= list_parameters


@pytest.mark.django_db
def test_the_schema_documents_the_one_error_shape(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    responses = schema["paths"]["/api/tickets/{number}/close/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(responses)
    assert responses["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/docs/",
        "/api/redoc/",
    ],
)
def test_the_docs_pages_load_only_local_static_assets_that_exist(url: str, api: Any, make_user: Any) -> None:
    response = api(make_user("agent")).get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = _assets(html)
    assert assets, "the page loads no script or stylesheet at all"
    foreign = [asset for asset in assets if re.match(r"^(https?:)?//", asset)]
    assert foreign == []
    assert not re.search(r"https?://(?!testserver)[^\s\"']+\.(?:js|css)\b", html)
    scripts_and_styles = [asset for asset in assets if not asset.startswith(("/api/", "data:"))]
    assert scripts_and_styles
    for asset in scripts_and_styles:
        assert asset.startswith(settings.STATIC_URL), asset
        path = asset[len(settings.STATIC_URL) :].split("?")[0]
        assert finders.find(path), f"{asset} is not among the static files"
