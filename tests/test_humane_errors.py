"""No raw validator text reaches a person: every form a person fills (portal, console, escalations,
reports) and every API serializer is fed wrong values of every kind, and no error that comes back is one
of Django's or DRF's default validator texts ("Ensure this value is less than or equal to 5.",
'"x" is not a valid choice.'), in English or in Indonesian. "This field is required." and "Enter a
valid email address." are the two defaults kept: plain sentences, translated by Django."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.core import validators
from django.forms import models as model_forms
from django.utils import translation
from rest_framework import exceptions, fields, relations, serializers  # noqa: F401

from console import escalation_forms
from console import forms as console_forms
from helpdesk.lib.api_errors import exception_handler
from helpdesk.lib.humane import humane_api_message
from portal import forms as portal_forms
from portal.api import serializers as portal_serializers
from reports import forms as reports_forms
from reports.api import serializers as reports_serializers
from tests.tickets.factories import make_ticket
from tickets.api import serializers as ticket_serializers

pytestmark = pytest.mark.django_db

KEPT = {"This field is required.", "Enter a valid email address."}


def kept_in(language: str) -> set[str]:
    """KEPT as Django and DRF say it in `language`."""
    kept = set()
    for template in raw_templates():
        with translation.override("en"):
            english = str(template)
        if english in KEPT:
            with translation.override(language):
                kept.add(str(template))
    return kept


LANGUAGES = ["en", "id"]

BAD_VALUES: list[Any] = ["", "   ", "x" * 20_001, "-5", "999999999", "abc", "2026-02-30T25:61", "0.123456789"]


def subclasses(root: type) -> Iterator[type]:
    stack = [root]
    while stack:
        cls = stack.pop()
        yield cls
        stack += cls.__subclasses__()


def raw_templates() -> list[Any]:
    """Django's and DRF's default error texts (lazy, so each can be read in either language)."""
    templates: list[Any] = []
    for cls in subclasses(forms.Field):
        if cls.__module__.startswith("django."):
            templates += cls.default_error_messages.values()
    templates.append(model_forms.ModelChoiceField.default_error_messages["invalid_choice"])
    for validator in (
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.StepValueValidator,
    ):
        templates.append(validator.message)
    templates += validators.DecimalValidator.messages.values()
    for cls in subclasses(fields.Field):
        if cls.__module__.startswith("rest_framework."):  # not our own fields' messages
            templates += cls.default_error_messages.values()
    return templates


def raw_patterns(language: str) -> list[re.Pattern[str]]:
    patterns = []
    kept = kept_in(language)
    with translation.override(language):
        for template in raw_templates():
            try:
                text = str(template)
            except (KeyError, TypeError):  # ngettext_lazy needing its number
                continue
            if text in kept or not text:
                continue
            pieces = re.split(r"%\(\w+\)[sdr]|\{\w+\}", text)
            if len("".join(pieces).strip()) < 8:  # nothing of its own to recognise it by
                continue
            patterns.append(
                re.compile("^" + ".*?".join(re.escape(piece) for piece in pieces) + "$", re.DOTALL)
            )
    # Django's max/min length messages use ngettext; their shape, in both languages.
    patterns.append(
        re.compile(r"^Ensure this value has (at most|at least) \d+ characters? \(it has \d+\)\.$")
    )
    patterns.append(re.compile(r"^Pastikan nilai ini (mengandung paling banyak|mengandung paling sedikit)"))
    return patterns


def assert_no_raw(messages: list[str], language: str, where: str) -> None:
    patterns = raw_patterns(language)
    raw = [message for message in messages if any(pattern.match(message) for pattern in patterns)]
    assert sorted(set(raw)) == [], f"raw validator text in {where}: {sorted(set(raw))}"


def form_classes() -> list[type[forms.Form]]:
    found = []
    for module in (portal_forms, console_forms, escalation_forms, reports_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.Form) and cls.__module__ == module.__name__ and cls.base_fields:
                found.append(cls)
    return found


def build(cls: type[forms.Form], data: dict[str, Any], ticket: Any) -> forms.Form:
    if issubclass(cls, console_forms.ActionForm):
        prefix = cls.action.value
        data = {f"{prefix}-{key}": value for key, value in data.items()}
        return cls(data, ticket=ticket, choices=console_forms.ActionChoices())
    prefix_of = {"CapaActionStatusForm": "a", "CapaActionVerifyForm": "a"}
    if cls.__name__ in prefix_of:
        data = {f"a-{key}": value for key, value in data.items()}
        return cls(data, prefix="a")
    return cls(data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_form_a_person_fills_answers_with_a_raw_validator_text(language: str, make_user: Any) -> None:
    ticket = make_ticket(actor=make_user("agent"))
    walked = 0
    messages: list[str] = []
    with translation.override(language):
        for cls in form_classes():
            for value in BAD_VALUES:
                data = {name: value for name in cls.base_fields}
                form = build(cls, data, ticket)
                form.is_valid()
                messages += [str(error) for errors in form.errors.values() for error in errors]
                walked += 1
        assert_no_raw(messages, language, "forms")
    # Every form was walked, and the walk reached the kinds of error the issue saw.
    assert len(form_classes()) >= 20
    assert walked == len(form_classes()) * len(BAD_VALUES)
    assert len(set(messages)) >= 10


def serializer_classes() -> list[type[serializers.Serializer]]:
    found = []
    for module in (ticket_serializers, portal_serializers, reports_serializers):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, serializers.Serializer) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_api_error_is_a_raw_validator_text(language: str) -> None:
    messages: list[str] = []
    walked = 0
    with translation.override(language):
        for cls in serializer_classes():
            try:
                names = list(cls().fields)
            except Exception:  # noqa: S112 (a serializer that needs its view's context to exist)
                continue
            for value in [*BAD_VALUES, None, 7, ["a"], {"a": 1}]:
                serializer = cls(data={name: value for name in names}, context={})
                try:
                    if serializer.is_valid():
                        continue
                except Exception:  # noqa: S112 (needs a request in its context)
                    continue
                response = exception_handler(exceptions.ValidationError(serializer.errors), {})
                assert response is not None
                messages += [message for field in response.data["fields"].values() for message in field]
                walked += 1
        assert_no_raw(messages, language, "the API")
    assert walked >= 50
    assert len(set(messages)) >= 10


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("Ensure this value is less than or equal to 5.", "This can be at most 5."),
        ('"" is not a valid choice.', "“” is not one of the choices here."),
        ("A valid integer is required.", "Give a whole number, such as 3."),
        ("Our own words stay as they are.", "Our own words stay as they are."),
    ],
)
def test_drf_defaults_are_rephrased_and_our_own_words_kept(raw: str, sentence: str) -> None:
    with translation.override("en"):
        assert humane_api_message(raw) == sentence


def test_the_rating_form_says_the_limit_as_a_sentence_in_indonesian() -> None:
    with translation.override("id"):
        form = console_forms.ConfirmForm(
            {"confirm-csat": "9"}, ticket=None, choices=console_forms.ActionChoices()
        )
        form.is_valid()
        assert form.errors["csat"] == ["Nilai ini paling banyak 5."]


def test_a_body_that_is_not_json_is_answered_in_a_sentence(make_user: Any, api: Any) -> None:
    client = api(make_user("agent"))
    response = client.post("/api/tickets/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "message": "The request body could not be read: send valid JSON (or a form).",
        "fields": {},
    }
