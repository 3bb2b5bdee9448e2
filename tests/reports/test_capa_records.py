"""RCA and CAPA records are kept as tickets are (issue 18, finding 8; SOP §8): every revision leaves an
append-only history row saying who made it, the database refuses to delete them or to rewrite their
history, and a CAPA report is closed or withdrawn with a reason instead of deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from reports.models import CapaAction, CapaReport, RootCauseAnalysis
from reports.services import capa_create, rca_create
from tests.tickets.factories import RCA
from tests.tickets.flow import Staff


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def make_report(staff: Staff, *statuses: str) -> CapaReport:
    return capa_create(
        author=staff.technician,
        title="Backbone redundancy",
        actions=[
            {
                "kind": "corrective",
                "description": f"Step {n}",
                "owner": staff.technician.pk,
                "due": "2027-01-01",
            }
            | {"status": status}
            for n, status in enumerate(statuses)
        ],
    )


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


@pytest.mark.django_db
def test_an_rca_revised_by_an_analyst_keeps_the_technicians_version_and_says_who(
    staff: Staff, api: Any
) -> None:
    rca = rca_create(author=staff.technician, data=dict(RCA))
    response = api(staff.analyst).patch(f"/api/rcas/{rca.pk}/", {"analysis": "Rewritten."}, format="json")
    assert response.status_code == 200, response.content
    events = list(rca.events.order_by("pgh_id"))
    assert [(e.pgh_label, e.analysis) for e in events] == [
        ("written", "Road works cut the cable."),
        ("revised", "Rewritten."),
    ]
    assert events[1].pgh_context.metadata["user"] == staff.analyst.pk
    assert events[1].pgh_context.metadata["action"] == "rca_revise"


@pytest.mark.django_db
def test_the_database_refuses_to_delete_records_or_rewrite_their_history(staff: Staff) -> None:
    rca = rca_create(author=staff.technician, data=dict(RCA))
    report = make_report(staff, "open")
    attempts = [
        lambda: RootCauseAnalysis.objects.filter(pk=rca.pk).delete(),
        lambda: CapaReport.objects.filter(pk=report.pk).delete(),
        lambda: CapaAction.objects.filter(report=report).delete(),
        lambda: rca.events.update(analysis="forged"),
        lambda: rca.events.all().delete(),
        lambda: report.events.update(title="forged"),
        lambda: CapaAction.pgh_event_model.objects.filter(pgh_obj__report=report).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert RootCauseAnalysis.objects.filter(pk=rca.pk).exists()
    assert CapaAction.objects.filter(report=report).count() == 1
    assert rca.events.get().analysis == "Road works cut the cable."


@pytest.mark.django_db
def test_a_capa_report_is_never_deleted_through_the_api(staff: Staff, api: Any) -> None:
    report = make_report(staff, "open")
    assert api(staff.analyst).delete(f"/api/capas/{report.pk}/").status_code == 405
    assert CapaReport.objects.filter(pk=report.pk).exists()


@pytest.mark.django_db
def test_a_report_closes_once_its_actions_are_done_and_then_only_takes_verifications(
    staff: Staff, api: Any
) -> None:
    report = make_report(staff, "open", "cancelled")
    client = api(staff.supervisor)
    open_action, _cancelled = report.actions.order_by("id")

    assert_error(
        client.post(f"/api/capas/{report.pk}/close/", {"reason": "Done"}, format="json"),
        409,
        "capa_actions_pending",
    )
    assert_error(client.post(f"/api/capas/{report.pk}/close/", {}, format="json"), 400, "invalid")
    assert CapaReport.objects.get(pk=report.pk).status == "open"

    client.patch(
        f"/api/capas/{report.pk}/", {"actions": [{"id": open_action.pk, "status": "done"}]}, format="json"
    )
    closed = client.post(
        f"/api/capas/{report.pk}/close/", {"reason": "Second link installed."}, format="json"
    )
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["status"], body["close_reason"], body["closed_by"]) == (
        "closed",
        "Second link installed.",
        staff.supervisor.username,
    )
    assert body["closed_at"]

    # Settled: no more revisions, no second closing, no withdrawal — but the check that it worked, yes.
    assert_error(
        client.patch(f"/api/capas/{report.pk}/", {"title": "New"}, format="json"), 409, "capa_report_settled"
    )
    assert_error(
        client.post(f"/api/capas/{report.pk}/withdraw/", {"reason": "x"}, format="json"),
        409,
        "capa_report_settled",
    )
    verified = client.patch(
        f"/api/capas/{report.pk}/",
        {"actions": [{"id": open_action.pk, "verified": True, "verification_note": "No outage in 30 days"}]},
        format="json",
    )
    assert verified.status_code == 200, verified.content
    assert CapaReport.objects.get(pk=report.pk).title == "Backbone redundancy"
    labels = list(
        CapaReport.pgh_event_model.objects.filter(pgh_obj=report).values_list("pgh_label", flat=True)
    )
    assert labels == ["written", "revised"]


@pytest.mark.django_db
def test_withdrawing_cancels_what_is_pending_and_keeps_what_was_done(staff: Staff, api: Any) -> None:
    report = make_report(staff, "open", "in_progress", "done")
    response = api(staff.analyst).post(
        f"/api/capas/{report.pk}/withdraw/",
        {"reason": "Superseded by CAPA for the whole ring."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert sorted(report.actions.values_list("status", flat=True)) == ["cancelled", "cancelled", "done"]
    action = report.actions.get(status="done")
    assert_error(
        api(staff.analyst).patch(
            f"/api/capas/{report.pk}/",
            {"actions": [{"id": action.pk, "verified": True, "verification_note": "x"}]},
            format="json",
        ),
        409,
        "capa_report_settled",
    )


@pytest.mark.django_db
def test_directors_cannot_close_or_withdraw(staff: Staff, api: Any) -> None:
    report = make_report(staff, "done")
    for verb in ("close", "withdraw"):
        response = api(staff.director).post(f"/api/capas/{report.pk}/{verb}/", {"reason": "x"}, format="json")
        assert response.status_code == 403
    assert CapaReport.objects.get(pk=report.pk).status == "open"


@pytest.mark.django_db
def test_the_capa_page_closes_a_report_with_its_reason(staff: Staff) -> None:
    report = make_report(staff, "done")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = type(staff.supervisor).objects.get(pk=staff.supervisor.pk)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/reports/capa/{report.pk}/")
    assert b'data-testid="settle-form"' in page.content
    refused = client.post(f"/reports/capa/{report.pk}/settle/", {"decision": "close", "reason": ""})
    assert refused.status_code == 400
    assert "Say why the report is closed or withdrawn." in refused.content.decode()
    done = client.post(
        f"/reports/capa/{report.pk}/settle/", {"decision": "close", "reason": "All done."}, follow=True
    )
    assert done.status_code == 200
    assert CapaReport.objects.get(pk=report.pk).status == "closed"
    assert b'data-testid="settle-form"' not in done.content
    assert "All done." in done.content.decode()
