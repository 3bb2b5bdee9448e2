"""Error messages a person reads as a sentence in their language, instead of the framework's validator
defaults ("Ensure this value is less than or equal to 5.", '"x" is not a valid choice.').

Two places, one table of words each: `HumaneErrorsMixin` for Django forms (after cleaning, each error
still carrying Django's own default message is rewritten from its code and parameters; a message a form
or a service wrote itself is left alone), and `humane_api_message` for the API's exception handler (a DRF
default message, recognised by its code and text in the active language, is rewritten with the values
read from it). "This field is required." and "Enter a valid email address." are already plain sentences,
translated by Django, and stay as they are."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms import models as model_forms
from django.utils import translation
from django.utils.translation import gettext as _

# --- Django forms ------------------------------------------------------------------------------------------


def _form_message(code: str, field: forms.Field) -> Callable[[dict[str, Any]], str] | None:
    """Our sentence for Django's default error `code` on `field`, as a function of the error's params."""
    if code in ("invalid_choice", "invalid_pk_value", "invalid_list"):
        return lambda params: _("Choose one of the options in the list.")
    if code == "max_value":
        return lambda params: _("This can be at most %(limit)s.") % {"limit": params["limit_value"]}
    if code == "min_value":
        return lambda params: _("This must be at least %(limit)s.") % {"limit": params["limit_value"]}
    if code == "max_length":
        return lambda params: (
            _("Write at most %(limit)s characters (this has %(count)s).")
            % {
                "limit": params["limit_value"],
                "count": params["show_value"],
            }
        )
    if code == "min_length":
        return lambda params: (
            _("Write at least %(limit)s characters (this has %(count)s).")
            % {
                "limit": params["limit_value"],
                "count": params["show_value"],
            }
        )
    if code in ("max_digits", "max_decimal_places", "max_whole_digits", "step_size"):
        return lambda params: _("This number has too many digits or decimals.")
    if code in ("empty", "missing"):
        return lambda params: _("The file is empty.")
    if code == "invalid":
        if isinstance(field, forms.IntegerField):
            return lambda params: _("Give a whole number, such as 3.")
        if isinstance(field, forms.DecimalField | forms.FloatField):
            return lambda params: _("Give a number, such as 12.5.")
        if isinstance(field, forms.DateTimeField):
            return lambda params: _("Give a date and time we can read, such as 31-12-2026 09:30.")
        if isinstance(field, forms.DateField):
            return lambda params: _("Give a date we can read, such as 31-12-2026.")
        if isinstance(field, forms.FileField):
            return lambda params: _("No file was received; choose the file again.")
    return None


@cache
def _django_defaults() -> frozenset[int]:
    """The identities of Django's default error messages (form fields' and validators'). Compared by
    identity, not text: a form's own message with the same words is its author's choice."""
    messages: list[Any] = []
    classes: list[type] = [forms.Field]
    while classes:
        cls = classes.pop()
        if cls.__module__.startswith("django."):  # our own fields' messages are our words already
            messages += list(getattr(cls, "default_error_messages", {}).values())
        classes += cls.__subclasses__()
    messages += [model_forms.ModelChoiceField.default_error_messages["invalid_choice"]]
    for validator in (
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.MaxLengthValidator,
        validators.MinLengthValidator,
        validators.StepValueValidator,
    ):
        messages.append(validator.message)
    messages += list(validators.DecimalValidator.messages.values())
    return frozenset(id(message) for message in messages)


class HumaneErrorsMixin:
    """For a Django form: after cleaning, Django's default messages are replaced by our sentences."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None) or {}
        fields = getattr(self, "fields", {})
        defaults = _django_defaults()
        for name, error_list in errors.items():
            field = fields.get(name)
            if field is None:
                continue
            for index, error in enumerate(error_list.data):
                if not isinstance(error, ValidationError) or id(error.message) not in defaults:
                    continue
                sentence = _form_message(error.code or "", field)
                if sentence is not None:
                    error_list.data[index] = ValidationError(sentence(error.params or {}), code=error.code)


# --- The API (Django REST framework) ---------------------------------------------------------------------

# DRF's default texts, in English as DRF writes them, and ours, with DRF's placeholders as %(name)s.
_API_SENTENCES: dict[str, Callable[[], str]] = {
    "This field may not be null.": lambda: _("This field is required."),
    "This field may not be blank.": lambda: _("This field is required."),
    "Not a valid string.": lambda: _("Give this as text."),
    "A valid integer is required.": lambda: _("Give a whole number, such as 3."),
    "A valid number is required.": lambda: _("Give a number, such as 12.5."),
    "Must be a valid boolean.": lambda: _("Give true or false."),
    "Ensure this value is less than or equal to {max_value}.": lambda: _(
        "This can be at most %(max_value)s."
    ),
    "Ensure this value is greater than or equal to {min_value}.": lambda: _(
        "This must be at least %(min_value)s."
    ),
    "Ensure this field has no more than {max_length} characters.": lambda: _(
        "Write at most %(max_length)s characters."
    ),
    "Ensure this field has at least {min_length} characters.": lambda: _(
        "Write at least %(min_length)s characters."
    ),
    '"{input}" is not a valid choice.': lambda: _("“%(input)s” is not one of the choices here."),
    'Expected a list of items but got type "{input_type}".': lambda: _("Give a list here."),
    "This list may not be empty.": lambda: _("Give at least one here."),
    'Expected a dictionary of items but got type "{input_type}".': lambda: _("Give names and values here."),
    "This dictionary may not be empty.": lambda: _("Give at least one here."),
    "Invalid data. Expected a dictionary, but got {datatype}.": lambda: _("Give names and values here."),
    'Invalid pk "{pk_value}" - object does not exist.': lambda: _("Nothing has the id %(pk_value)s."),
    "Incorrect type. Expected pk value, received {data_type}.": lambda: _("Give the id as a number."),
    "Datetime has wrong format. Use one of these formats instead: {format}.": lambda: _(
        "Give a date and time such as 2026-01-31T09:30:00+07:00."
    ),
    "Date has wrong format. Use one of these formats instead: {format}.": lambda: _(
        "Give a date such as 2026-01-31."
    ),
    "Expected a date but got a datetime.": lambda: _("Give a date without a time."),
    "Ensure that there are no more than {max_digits} digits in total.": lambda: _(
        "At most %(max_digits)s digits in all."
    ),
    "Ensure that there are no more than {max_decimal_places} decimal places.": lambda: _(
        "At most %(max_decimal_places)s digits after the decimal point."
    ),
    "Ensure that there are no more than {max_whole_digits} digits before the decimal point.": lambda: _(
        "At most %(max_whole_digits)s digits before the decimal point."
    ),
    "String value too large.": lambda: _("This number is too large."),
    "Object with {slug_name}={value} does not exist.": lambda: _("Nothing is known as “%(value)s” here."),
    "Invalid value.": lambda: _("This value cannot be used here."),
    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.': lambda: _(
        "Use only letters, numbers, underscores or hyphens."
    ),
    "No file was submitted.": lambda: _("Choose a file."),
    "The submitted data was not a file. Check the encoding type on the form.": lambda: _(
        "No file was received; choose the file again."
    ),
    "The submitted file is empty.": lambda: _("The file is empty."),
    "Ensure this filename has at most {max_length} characters (it has {length}).": lambda: _(
        "The file name can be at most %(max_length)s characters long."
    ),
}


@cache
def _api_patterns(language: str) -> tuple[tuple[re.Pattern[str], Callable[[], str]], ...]:
    """DRF's default texts in `language`, as patterns capturing their placeholders, with our sentence."""
    from rest_framework import fields, relations, serializers  # noqa: F401 (every field class defined)

    templates: list[Any] = []
    classes: list[type] = [fields.Field]
    while classes:
        cls = classes.pop()
        templates += list(getattr(cls, "default_error_messages", {}).values())
        classes += cls.__subclasses__()
    patterns = []
    seen = set()
    for template in templates:
        with translation.override("en"):
            english = str(template)
        sentence = _API_SENTENCES.get(english)
        if sentence is None or english in seen:
            continue
        seen.add(english)
        with translation.override(language):
            local = str(template)
        pieces = re.split(r"\{(\w+)\}", local)
        regex = "".join(
            re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.*?)" for index, piece in enumerate(pieces)
        )
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), sentence))
    return tuple(patterns)


def humane_api_message(message: str) -> str:
    """`message` if it is not one of DRF's defaults, else our sentence with the same values."""
    for pattern, sentence in _api_patterns(translation.get_language() or "en"):
        match = pattern.match(message)
        if match:
            return sentence() % match.groupdict()
    return message
