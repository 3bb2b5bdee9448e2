"""Who the pickers offer: people by name with their teams, each once, and only those who can take the
ticket; team names and classifications in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from helpdesk.lib.vocabulary import Classification
from reports.exports import key_label
from tests.tickets.factories import team
from tickets import selectors
from tickets.models import Team

pytestmark = pytest.mark.django_db


def test_the_dispatch_picker_lists_each_technician_once_by_name_with_their_teams(make_user: Any) -> None:
    both = make_user(
        "technician",
        teams=[team("Network Operation"), team("Billing & Account")],
        first_name="Budi",
        last_name="Santoso",
    )
    one = make_user("technician", teams=[team("Network Operation")], first_name="Ani", last_name="Wijaya")
    make_user("agent", first_name="Citra", last_name="Agen")

    with translation.override("en"):
        offered = selectors.technicians_by_team()

    assert offered == [
        (one.pk, "Ani Wijaya · Network Operation"),
        (both.pk, "Budi Santoso · Billing & Account, Network Operation"),
    ]


def test_the_reassign_picker_offers_only_people_who_hold_tickets(make_user: Any) -> None:
    holders = [make_user(role) for role in ("agent", "support", "supervisor")]
    technician = make_user("technician", teams=[team("Network Operation")])
    for role in ("analyst", "manager", "director"):
        make_user(role)

    people = selectors.staff_choices()

    assert {person.pk for person in people} == {person.pk for person in [*holders, technician]}
    with translation.override("en"):
        labels = {person.pk: person.label for person in selectors.staff_choices()}
    assert labels[technician.pk] == f"{technician.username} · Network Operation"


def test_team_names_and_classifications_read_in_indonesian() -> None:
    with translation.override("id"):
        assert Team.objects.get(name="Network Operation").label == "Operasi Jaringan"
        assert str(Team.objects.get(name="Customer Care")) == "Layanan Pelanggan"
        assert [str(label) for label in Classification.labels] == ["Minor", "Mayor", "Kritis"]
        # The monthly report's team breakdown too.
        assert key_label("team", {"key": "Billing & Account"}) == "Tagihan & Akun"
        assert key_label("team", {"key": "Field Team 7"}) == "Field Team 7"
    with translation.override("en"):
        assert Team.objects.get(name="Network Operation").label == "Network Operation"
