"""helpdesk.lib.fields.ChoiceLabels: a ticket's, a customer's and a service's get_<field>_display() say
what Django's own would, in the language of the moment they are asked, without rebuilding the choices
each time."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.utils import translation

from tickets.models import Customer, Service, Ticket


def djangos_label(instance: Model, name: str) -> str:
    """What Django's Model._get_FIELD_display says, the mixin bypassed."""
    return str(Model._get_FIELD_display(instance, instance._meta.get_field(name)))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Ticket, "category"),
        (Ticket, "classification"),
        (Ticket, "stage"),
        (Ticket, "channel"),
        (Customer, "tier"),
        (Service, "kind"),
        (Service, "status"),
    ],
)
def test_every_choice_reads_as_djangos_own_in_both_languages(model: type[Model], name: str) -> None:
    field = model._meta.get_field(name)
    values = [value for value, _label in field.flatchoices]  # type: ignore[attr-defined]
    assert values
    for language in ("en", "id", "en"):  # the labels follow the language after the first call too
        with translation.override(language):
            for value in values:
                instance = model(**{name: value})
                shown = getattr(instance, f"get_{name}_display")()
                assert shown == djangos_label(instance, name)


def test_the_label_is_translated_when_shown_and_an_unknown_value_is_shown_as_it_is() -> None:
    ticket = Ticket(stage="verified", category="made-up")
    with translation.override("en"):
        assert ticket.get_stage_display() == "Verified"
    with translation.override("id"):
        assert ticket.get_stage_display() == "Terverifikasi"
        assert ticket.get_category_display() == "made-up"
