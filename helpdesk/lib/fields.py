"""A model's fields by name, typed, and their choices' labels read quickly."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def own_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field `name` declared on `model` (a column or a foreign key), for its label or its choices.

    `_meta.get_field` also finds reverse relations, which have neither; asked for one, this says so."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a reverse relation, not a field of its own")
    return field


@functools.cache
def _choice_labels(field: Field[Any, Any]) -> dict[Any, Any]:
    """A field's choices as {stored value: label}, the labels still lazy (translated when shown, in the
    language of that moment). Model fields live as long as the process, and their choices with them."""
    return dict(make_hashable(field.flatchoices))


@functools.lru_cache(maxsize=256)
def _translated_labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    """A field's choices as {stored value: label} translated into `language`, once per language: a
    label translated afresh for each row was about half of what showing it cost (timed by hand)."""
    with translation.override(language):
        return {value: force_str(label) for value, label in _choice_labels(field).items()}


class ChoiceLabels:
    """A model mixin: `get_<field>_display()` as Django's, without rebuilding the field's choices on
    every call. Django's own builds a dict of all the choices for each call, hashing (and so translating)
    every label to show one; a queue page shows four labels a row on fifty rows."""

    def _get_FIELD_display(self, field: Field[Any, Any]) -> str:
        value = make_hashable(getattr(self, field.attname))
        label = _translated_labels(field, translation.get_language()).get(value)
        return label if label is not None else force_str(value, strings_only=True)
