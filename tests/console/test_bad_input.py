"""Nonsense posted to the console's new forms (bulk actions, saved views, canned replies, my settings,
attachments, deadline explanations) gets a clear answer below 500 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients import client_for
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Attachment, Macro, Stage, TicketMessage

pytestmark = pytest.mark.django_db

NONSENSE = ["", "abc", "-1", "0", "99999999999999999999", "1e3", "\u0000", "x" * 5000, "[]", "{}"]


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_nonsense_never_answers_500_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    supervisor = client_for(staff.supervisor)
    before = (
        TicketMessage.objects.count(),
        Macro.objects.count(),
        Attachment.objects.count(),
    )
    answers: dict[str, int] = {}
    for value in NONSENSE:
        posts = {
            "/console/bulk/assign/": {"tickets": value, "assignee": value},
            "/console/bulk/note/": {"tickets": ticket.number, "body": value if value.strip() else ""},
            "/console/bulk/nonsense/": {"tickets": ticket.number},
            # (a view named "abc" over any query is a view, so saving one is not checked as a change)
            "/console/views/": {"name": value, "query": value},
            "/console/views/999999/rename/": {"name": value},
            "/console/views/999999/delete/": {},
            "/console/macros/new/": {"title": value, "body": value, "category": value, "language": value},
            "/console/settings/": {"time_zone": value},
            f"/console/tickets/{ticket.number}/attach/": {"file": value, "is_public": value},
        }
        for path, data in posts.items():
            if path == "/console/bulk/note/" and value.strip():
                continue  # a real note on a real ticket is not nonsense
            answers[f"POST {path} {value[:12]!r}"] = supervisor.post(path, data).status_code
        for clock in (value, "response"):
            path = f"/console/tickets/{value or 'X'}/deadlines/{clock or 'X'}/"
            answers[f"GET {path[:60]}"] = supervisor.get(path).status_code
    assert {key: code for key, code in answers.items() if code >= 500} == {}
    after = (
        TicketMessage.objects.count(),
        Macro.objects.count(),
        Attachment.objects.count(),
    )
    assert after == before
