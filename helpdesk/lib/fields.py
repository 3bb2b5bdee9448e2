"""A model's fields by name, typed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model


def own_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field `name` declared on `model` (a column or a foreign key), for its label or its choices.

    `_meta.get_field` also finds reverse relations, which have neither; asked for one, this says so."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a reverse relation, not a field of its own")
    return field
