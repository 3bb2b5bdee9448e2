"""The SLA watcher (sla.sweep): at risk and breached marks, their records, the owner's warnings, the
hand-over to escalation, and that nothing is ever recorded twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Escalation
from notifications.models import Notification
from sla.models import SlaEvent
from sla.services import sla_sweep
from tests.tickets.factories import ServiceFactory, make_ticket
from tickets import services
from tickets.models import Team, Ticket

UTC = dt.UTC
# Monday 2 March 2026, 09:00 WIB — a working day.
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "agent": make_user("agent", username="agent1"),
        "supervisor": make_user("supervisor", username="super1"),
        "manager": make_user("manager", username="manager1"),
        "director": make_user("director", username="director1"),
    }


def ticket(people: dict[str, Any], classification: str = "minor", **extra: Any) -> Ticket:
    return make_ticket(
        actor=people["agent"],
        service=ServiceFactory(),
        classification=classification,
        reported_at=T0,
        now=T0,
        **extra,
    )


def events(t: Ticket) -> list[tuple[str, str, dt.datetime]]:
    return list(SlaEvent.objects.filter(ticket=t).order_by("id").values_list("target", "kind", "recorded_at"))


def escalations(t: Ticket) -> list[tuple[int, str]]:
    return list(Escalation.objects.filter(ticket=t).order_by("level").values_list("level", "reason"))


def inbox(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, channel="inbox")
        .order_by("id")
        .values_list("template", flat=True)
    )


@pytest.mark.django_db
def test_minor_ticket_goes_at_risk_at_75_percent_then_breached_and_escalates(people: dict[str, Any]) -> None:
    t = ticket(people)
    assert t.first_response_due == T0 + dt.timedelta(hours=2)
    assert t.assignee == people["agent"]

    sla_sweep(now=T0 + minutes(89))
    assert events(t) == []

    sla_sweep(now=T0 + minutes(90))
    t.refresh_from_db()
    assert t.response_sla == "at_risk"
    assert events(t) == [("response", "at_risk", T0 + minutes(90))]
    assert inbox(people["agent"]) == ["sla_warning"]
    assert escalations(t) == []

    sla_sweep(now=T0 + minutes(120))
    t.refresh_from_db()
    assert t.response_sla == "breached"
    # The verification target (2 hours from receipt) passed at the same moment.
    assert events(t) == [
        ("response", "at_risk", T0 + minutes(90)),
        ("response", "breached", T0 + minutes(120)),
        ("stage", "breached", T0 + minutes(120)),
    ]
    assert inbox(people["agent"]) == ["sla_warning", "sla_warning", "sla_warning"]
    # Minor response breach: supervisor at once, manager 240 minutes later (seeded rules).
    assert escalations(t) == [(1, "response_breach")]
    assert t.escalation_level == 1
    assert inbox(people["supervisor"]) == ["escalation_raised"]
    assert Escalation.objects.get(ticket=t).notified.get() == people["supervisor"]

    sla_sweep(now=T0 + minutes(120 + 239))
    assert escalations(t) == [(1, "response_breach")]
    sla_sweep(now=T0 + minutes(120 + 240))
    assert [e for e in escalations(t) if e[1] == "response_breach"] == [
        (1, "response_breach"),
        (2, "response_breach"),
    ]
    t.refresh_from_db()
    assert t.escalation_level == 2
    assert inbox(people["manager"]) == ["escalation_raised"]
    assert inbox(people["director"]) == []


@pytest.mark.django_db
def test_critical_ticket_climbs_to_the_director_faster(people: dict[str, Any]) -> None:
    t = ticket(people, classification="critical")
    assert t.first_response_due == T0 + minutes(30)
    sla_sweep(now=T0 + minutes(30))
    assert escalations(t) == [(1, "response_breach")]
    sla_sweep(now=T0 + minutes(60))
    assert [e for e in escalations(t) if e[1] == "response_breach"] == [
        (1, "response_breach"),
        (2, "response_breach"),
    ]
    sla_sweep(now=T0 + minutes(149))
    assert [e for e in escalations(t) if e[1] == "response_breach"] == [
        (1, "response_breach"),
        (2, "response_breach"),
    ]
    sla_sweep(now=T0 + minutes(150))
    assert escalations(t) == [(1, "response_breach"), (2, "response_breach"), (3, "response_breach")]
    assert inbox(people["director"]) == ["escalation_raised"]


@pytest.mark.django_db
def test_a_late_sweep_marks_breached_directly_and_escalates_every_level_due(people: dict[str, Any]) -> None:
    t = ticket(people, classification="critical")
    sla_sweep(now=T0 + dt.timedelta(hours=3))
    assert [e[:2] for e in events(t)] == [("response", "breached"), ("stage", "breached")]
    assert escalations(t) == [(1, "response_breach"), (2, "response_breach"), (3, "response_breach")]
    t.refresh_from_db()
    assert t.escalation_level == 3


@pytest.mark.django_db
def test_resolution_breach_of_a_critical_ticket_after_eight_hours(
    people: dict[str, Any], make_user: Any
) -> None:
    t = ticket(people, classification="critical")
    services.ticket_act(ticket=t, actor=people["agent"], action="respond", data={"body": "On it."}, now=T0)
    t.refresh_from_db()
    assert t.response_sla == "met"
    assert t.resolution_due == T0 + dt.timedelta(hours=8)
    sla_sweep(now=T0 + dt.timedelta(hours=6))
    t.refresh_from_db()
    assert t.resolution_sla == "at_risk"
    sla_sweep(now=T0 + dt.timedelta(hours=8))
    t.refresh_from_db()
    assert t.resolution_sla == "breached"
    assert t.response_sla == "met"
    assert (1, "resolution_breach") in escalations(t)
    assert (1, "response_breach") not in escalations(t)


@pytest.mark.django_db
def test_sweeping_twice_records_nothing_twice(people: dict[str, Any]) -> None:
    tickets = [ticket(people) for _ in range(3)]
    first = sla_sweep(now=T0 + dt.timedelta(hours=5))
    counts = (SlaEvent.objects.count(), Escalation.objects.count(), Notification.objects.count())
    second = sla_sweep(now=T0 + dt.timedelta(hours=5))
    assert (SlaEvent.objects.count(), Escalation.objects.count(), Notification.objects.count()) == counts
    assert first.recorded["response_breached"] == 3
    assert first.escalations["response_breach"] == 3
    assert second.total_recorded == 0
    assert second.total_escalations == 0
    assert all(escalations(t) == [(1, "response_breach")] for t in tickets)


@pytest.mark.django_db
def test_paused_and_answered_tickets_are_not_marked(people: dict[str, Any]) -> None:
    paused = ticket(people)
    services.ticket_act(ticket=paused, actor=people["agent"], action="pause", data={}, now=T0 + minutes(10))
    answered = ticket(people)
    services.ticket_act(
        ticket=answered, actor=people["agent"], action="respond", data={"body": "Hello"}, now=T0 + minutes(5)
    )
    sla_sweep(now=T0 + dt.timedelta(hours=3))
    paused.refresh_from_db()
    answered.refresh_from_db()
    assert paused.response_sla == "ok"
    assert events(paused) == []
    assert answered.response_sla == "met"
    assert [e[:2] for e in events(answered)] == [("stage", "breached")]
    assert escalations(paused) == escalations(answered) == []


@pytest.mark.django_db
def test_a_sweep_runs_the_same_number_of_queries_for_few_or_many_tickets(people: dict[str, Any]) -> None:
    for _ in range(2):
        ticket(people)
    with CaptureQueriesContext(connection) as few:
        sla_sweep(now=T0)
    for _ in range(20):
        ticket(people)
    with CaptureQueriesContext(connection) as many:
        result = sla_sweep(now=T0)
    # Five marking steps, two escalation steps, and the incidents' ladder.
    assert result.statements == 8
    assert len(few.captured_queries) == len(many.captured_queries)
    # And with everything due, still one statement per step (the batch is larger than the backlog).
    with CaptureQueriesContext(connection) as due:
        result = sla_sweep(now=T0 + dt.timedelta(days=30))
    assert result.statements == 8
    assert result.recorded["response_breached"] == 22
    assert len(due.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db
def test_batches_are_bounded_and_cover_everything(people: dict[str, Any]) -> None:
    for _ in range(5):
        ticket(people)
    result = sla_sweep(now=T0 + dt.timedelta(hours=3), batch_size=2)
    assert result.marked["response_breached"] == 5
    assert result.escalations["response_breach"] == 5
    # 3 statements for 5 breaches in batches of 2 (2, 2, 1), per step that had work. Level 1 (no delay for
    # a minor response breach) is raised by the breach statements themselves, so the escalation steps
    # find nothing left: one statement each, and one for the incidents' ladder.
    assert result.statements == 3 + 1 + 3 + 1 + 1 + 1 + 1 + 1
    assert Escalation.objects.filter(level=1, reason="response_breach").count() == 5
    assert set(Ticket.objects.values_list("escalation_level", flat=True)) == {1}


@pytest.mark.django_db
def test_reclassifying_a_breached_ticket_restarts_the_clock_without_repeating_escalation(
    people: dict[str, Any], make_user: Any
) -> None:
    t = ticket(people, classification="critical")
    support = make_user("support")
    services.ticket_act(
        ticket=t,
        actor=support,
        action="verify",
        data={"classification": "critical", "service_status_checked": True, "billing_checked": True},
        now=T0 + minutes(10),
    )
    sla_sweep(now=T0 + minutes(31))
    assert escalations(t) == [(1, "response_breach")]
    services.ticket_act(
        ticket=t,
        actor=make_user("supervisor"),
        action="reclassify",
        data={"classification": "minor", "note": "Only one customer affected."},
        now=T0 + minutes(40),
    )
    t.refresh_from_db()
    assert t.response_sla == "ok"
    assert t.first_response_due == T0 + dt.timedelta(hours=2)
    sla_sweep(now=T0 + dt.timedelta(hours=2))
    t.refresh_from_db()
    assert t.response_sla == "breached"
    assert escalations(t) == [(1, "response_breach")]
    assert [e[:2] for e in events(t) if e[0] == "response"] == [
        ("response", "breached"),
        ("response", "breached"),
    ]


@pytest.mark.django_db
def test_sla_sweep_command_runs_one_sweep(people: dict[str, Any], capsys: Any) -> None:
    t = ticket(people)
    Ticket.objects.filter(pk=t.pk).update(first_response_due=T0, first_response_risk_at=T0)
    call_command("sla_sweep")
    out = capsys.readouterr().out
    assert "response_breached: 1 marked, 1 recorded" in out
    # Its deadline is long past (March), so both minor response-breach levels are due at once.
    assert "escalations (response_breach): 2" in out
    assert [e for e in escalations(t) if e[1] == "response_breach"] == [
        (1, "response_breach"),
        (2, "response_breach"),
    ]


@pytest.mark.django_db
def test_sweep_marks_are_written_to_the_ticket_history(people: dict[str, Any]) -> None:
    from django.apps import apps

    t = ticket(people)
    sla_sweep(now=T0 + dt.timedelta(hours=3))
    history = apps.get_model("tickets", "TicketHistory")
    newest = history.objects.filter(pgh_obj_id=t.pk).select_related("pgh_context").order_by("-pgh_id")
    latest = newest[0]
    assert (latest.response_sla, latest.stage_sla, latest.escalation_level) == ("breached", "breached", 1)
    assert latest.pgh_context.metadata["via"] == "sla_watcher"


def warned(user: Any) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user, template="sla_warning")
        .order_by("channel")
        .values_list("channel", "context__kind")
    )


@pytest.mark.django_db
def test_a_ticket_nobody_holds_warns_its_teams_supervisors_not_the_whole_team(make_user: Any) -> None:
    care = Team.objects.get(name="Customer Care")
    lead = make_user("supervisor", username="lead1", teams=[care])
    floor = [make_user("agent", username=f"floor{n}", teams=[care]) for n in range(3)]
    elsewhere = make_user("supervisor", username="lead2")
    filed = make_ticket(actor=None, channel="portal", classification="minor", reported_at=T0, now=T0)
    assert (filed.assignee, filed.team) == (None, care)

    sla_sweep(now=T0 + minutes(90))

    assert warned(lead) == [("email", "at_risk"), ("inbox", "at_risk")]
    assert [warned(agent) for agent in floor] == [[], [], []]
    assert warned(elsewhere) == []


@pytest.mark.django_db
def test_a_ticket_nobody_holds_in_a_team_without_supervisors_warns_every_member(make_user: Any) -> None:
    care = Team.objects.get(name="Customer Care")
    floor = [make_user("agent", username=f"floor{n}", teams=[care]) for n in range(3)]
    filed = make_ticket(actor=None, channel="portal", classification="minor", reported_at=T0, now=T0)

    sla_sweep(now=T0 + minutes(90))

    assert [warned(agent) for agent in floor] == [[("email", "at_risk"), ("inbox", "at_risk")]] * 3
    assert SlaEvent.objects.filter(ticket=filed).count() == 1


@pytest.mark.django_db
def test_a_team_whose_supervisors_have_all_left_warns_its_members(make_user: Any) -> None:
    care = Team.objects.get(name="Customer Care")
    make_user("supervisor", username="gone", teams=[care], is_active=False)
    floor = [make_user("agent", username=f"floor{n}", teams=[care]) for n in range(2)]
    make_ticket(actor=None, channel="portal", classification="minor", reported_at=T0, now=T0)

    sla_sweep(now=T0 + minutes(90))

    assert [warned(agent) for agent in floor] == [[("email", "at_risk"), ("inbox", "at_risk")]] * 2


@pytest.mark.django_db
def test_a_breach_and_its_first_escalation_write_the_ticket_once(people: dict[str, Any]) -> None:
    from django.apps import apps

    t = ticket(people)
    history = apps.get_model("tickets", "TicketHistory").objects.filter(pgh_obj_id=t.pk)
    before = history.count()
    # Past the deadline without an at-risk sweep in between: one statement marks the breach and raises
    # level 1 (the minor response rule has no delay).
    sla_sweep(now=T0 + minutes(121))
    rows = list(history.order_by("pgh_id")[before:].values_list("response_sla", "escalation_level"))
    # One row for the response breach with its level, one for the stage breach's own statement.
    assert rows == [("breached", 1), ("breached", 1)]
    assert escalations(t) == [(1, "response_breach")]


@pytest.mark.django_db
def test_the_history_rows_the_sweep_writes_are_those_the_trigger_writes(people: dict[str, Any]) -> None:
    from django.apps import apps

    from tickets.models import HISTORY_FIELDS

    history = apps.get_model("tickets", "TicketHistory")
    by_sweep = ticket(people)
    sla_sweep(now=T0 + minutes(121))
    # The same change made by an ordinary UPDATE after the sweep: pghistory's trigger writes that row (the
    # trigger stands aside only inside the sweep, which writes its rows itself).
    by_trigger = ticket(people)
    Ticket.objects.filter(pk=by_trigger.pk).update(
        response_sla="breached", stage_sla="breached", escalation_level=1
    )

    def latest(t: Ticket) -> dict[str, Any]:
        row = history.objects.filter(pgh_obj_id=t.pk).select_related("pgh_context").latest("pgh_id")
        fields = [history._meta.get_field(name).attname for name in HISTORY_FIELDS]
        return {"pgh_label": row.pgh_label, **{name: getattr(row, name) for name in fields}}

    swept, triggered = latest(by_sweep), latest(by_trigger)
    assert (swept["response_sla"], swept["stage_sla"], swept["escalation_level"]) == (
        "breached",
        "breached",
        1,
    )
    for own in ("id", "number", "customer_id", "service_id"):
        swept.pop(own, None)
        triggered.pop(own, None)
    assert swept == triggered


@pytest.mark.django_db
def test_many_tickets_breached_at_once_send_each_person_one_email_listing_them(
    people: dict[str, Any], monkeypatch: Any
) -> None:
    import notifications.outbox
    from notifications.rendering import render_notification

    monkeypatch.setattr(notifications.outbox, "DIGEST_LIST", 2)
    held = [ticket(people) for _ in range(3)]  # all three held by the agent who logged them
    sla_sweep(now=T0 + minutes(121))

    # What one statement owes one person is gathered: one email and one inbox entry listing the tickets.
    assert inbox(people["agent"]) == ["sla_warning_digest", "sla_warning_digest"]  # response, stage
    assert inbox(people["supervisor"]) == ["escalation_digest"]
    warning = Notification.objects.get(
        recipient=people["agent"], channel="email", template="sla_warning_digest", context__target="response"
    )
    numbers = sorted(t.number for t in held)
    assert (warning.context["count"], warning.context["kind"]) == (3, "breached")
    assert len(warning.context["tickets"]) == 2
    assert {item["number"] for item in warning.context["tickets"]} < set(numbers)
    subject, body = render_notification(warning)
    assert subject == "3 tiket: target respons awal terlampaui"
    assert "… dan 1 lainnya di antrean Anda." in body
    # Every escalation is on record with who was notified, one per ticket.
    assert Escalation.objects.filter(notified=people["supervisor"]).count() == 3
    escalated = Notification.objects.get(recipient=people["supervisor"], channel="email")
    assert escalated.template == "escalation_digest"
    assert (escalated.context["count"], escalated.context["level"]) == (3, 1)
    assert [item["number"] for item in escalated.context["tickets"]] == numbers[:2]
    assert escalated.ticket_id is None
    subject, body = render_notification(escalated)
    assert subject == "[Eskalasi level 1] 3 tiket"
    assert body.splitlines()[2:4] == [f"- {numbers[0]}", f"- {numbers[1]}"]
    # Nothing is owed twice when the sweep runs again.
    owed = Notification.objects.count()
    sla_sweep(now=T0 + minutes(122))
    assert Notification.objects.count() == owed
