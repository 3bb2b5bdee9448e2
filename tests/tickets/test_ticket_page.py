"""The staff ticket page (the operator's issue "The ticket page"): the conversation before the folded
history, the RCA linked, the customer's other tickets and services beside it, the resolution message the
customer sees, "Confirmed — close" in one step, canned replies kept by supervisors and offered in the reply
box, and system messages shown in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation

from helpdesk.lib.errors import Forbidden
from notifications.models import Notification
from notifications.rendering import render_notification
from tests.clients import client_for
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, ticket_in
from tickets import selectors, services
from tickets.models import Macro, MessagePurpose, Stage, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def history_count(ticket: Ticket) -> int:
    return apps.get_model("tickets", "TicketHistory").objects.filter(pgh_obj_id=ticket.pk).count()


def row(ticket: Ticket) -> dict[str, Any]:
    return Ticket.objects.filter(pk=ticket.pk).values().get()


def page(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/console/tickets/{ticket.number}/")
    assert response.status_code == 200
    return response.content.decode()


def between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


# --- Page order, RCA link, side panel ---------------------------------------------------------------------


def test_the_conversation_comes_first_and_the_history_is_folded_below_it(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    services.ticket_act(ticket=ticket, actor=staff.agent, action="respond", data={"body": "We are on it."})
    services.ticket_customer_message(ticket=ticket, body="Still down here.", channel="portal")
    services.ticket_act(ticket=ticket, actor=staff.technician, action="note", data={"body": "OLT port 3."})
    html = page(client_for(staff.agent), ticket)

    conversation = html.index('data-testid="conversation"')
    reply_box = html.index('id="h-write"')
    history = html.index('data-testid="history-panel"')
    assert conversation < reply_box < history
    # Folded: a <details> without "open".
    assert '<details class="card mb-3 ticket-history" data-testid="history-panel">' in html
    kinds = [
        entry.item.kind
        for entry in client_for(staff.agent).get(f"/console/tickets/{ticket.number}/").context["conversation"]
    ]
    assert kinds == ["acknowledgement", "reply", "customer", "note"]
    said = between(html, 'data-testid="conversation"', 'id="h-write"')
    assert said.index("We are on it.") < said.index("Still down here.") < said.index("OLT port 3.")
    assert "Internal note — not shown to the customer" in said
    assert "Stage: Verified → Dispatched" not in said
    assert "Stage: Verified → Dispatched" in between(html, 'data-testid="history"', "</details>")
    # The reply link stays at the top of the page.
    assert html.index('data-testid="reply-jump"') < conversation


def test_the_rca_links_to_its_page_for_those_who_may_read_it(staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    url = f"/reports/rca/{ticket.rca_id}/"
    supervisor = page(client_for(staff.supervisor), ticket)
    assert f'<a href="{url}">RCA-{ticket.rca_id}</a>' in between(supervisor, 'data-testid="rca"', "</dd>")
    assert f'<a href="{url}" data-testid="history-rca">RCA-{ticket.rca_id}</a>' in supervisor
    # An agent may not open RCAs (Capability.READ_CAPA): the name stays plain text, not a link to a 403.
    agent = page(client_for(staff.agent), ticket)
    assert f"RCA-{ticket.rca_id}" in agent
    assert url not in agent


def test_the_side_panel_lists_the_customers_five_newest_other_tickets_and_their_services(
    staff: Staff,
) -> None:
    service = ServiceFactory()
    customer = service.customer
    second = ServiceFactory(customer=customer, status="suspended")
    ticket = make_ticket(actor=staff.agent, service=service)
    others = [make_ticket(actor=staff.agent, service=service) for _ in range(6)]
    make_ticket(actor=staff.agent)  # someone else's
    response = client_for(staff.agent).get(f"/console/tickets/{ticket.number}/")
    panel = response.context["panel"]
    expected = sorted(others, key=lambda other: (other.reported_at, other.pk), reverse=True)[:5]
    assert [other.number for other in panel.tickets] == [other.number for other in expected]
    assert [item.reference for item in panel.services] == sorted([service.reference, second.reference])
    html = response.content.decode()
    listed = between(html, 'data-testid="customer-tickets"', "</ul>")
    assert listed.count("<li>") == 5
    assert ticket.number not in listed
    assert '<li data-status="suspended">' in between(html, 'data-testid="customer-services"', "</ul>")


def test_the_side_panel_shows_a_technician_only_the_tickets_they_may_see(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    hidden = make_ticket(actor=staff.agent, service=ticket.service)  # still with Customer Care
    seen = ticket_in(Stage.DISPATCHED, staff, service=ticket.service)
    panel = selectors.customer_panel(viewer=staff.technician, ticket=ticket)
    assert [other.number for other in panel.tickets] == [seen.number]
    everyone = selectors.customer_panel(viewer=staff.agent, ticket=ticket)
    assert [other.number for other in everyone.tickets] == [seen.number, hidden.number]


@pytest.mark.parametrize("others", [1, 12])
def test_the_ticket_page_runs_the_same_queries_however_many_other_tickets(
    staff: Staff, others: int, django_assert_num_queries: Any
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    for _ in range(others):
        make_ticket(actor=staff.agent, service=ticket.service)
    client = client_for(staff.supervisor)
    client.get(f"/console/tickets/{ticket.number}/")
    # As tests/tickets/test_console_pages.TICKET_QUERIES: the panel adds two reads, the picker one.
    with django_assert_num_queries(19):
        response = client.get(f"/console/tickets/{ticket.number}/")
    assert len(response.context["panel"].tickets) == min(others, 5)


# --- The resolution message -----------------------------------------------------------------------------


def resolve(client: Client, ticket: Ticket, **fields: str) -> Any:
    data = {f"resolve-{name}": value for name, value in {**RCA, **fields}.items()}
    return client.post(f"/console/tickets/{ticket.number}/act/resolve/", data)


def test_the_resolve_form_prefills_the_customer_message_in_the_customers_language(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    form = next(
        form
        for form in client_for(staff.technician)
        .get(f"/console/tickets/{ticket.number}/")
        .context["action_forms"]
        if form.action == "resolve"
    )
    greeting = (
        f"Halo {ticket.customer.name}, masalah yang dilaporkan pada tiket {ticket.number} sudah diperbaiki."
    )
    assert form["customer_message"].initial == greeting
    assert form.fields["customer_message"].widget.attrs["data-resolution-greeting"] == greeting


def test_resolving_sends_the_edited_message_once_as_a_public_reply_shown_on_the_portal(staff: Staff) -> None:
    customer = CustomerFactory(email="rina@example.co.id", phone="")
    ticket = ticket_in(Stage.DISPATCHED, staff, service=ServiceFactory(customer=customer))
    text = "Kabel fiber di jalan Anda sudah disambung kembali."
    response = resolve(
        client_for(staff.technician), ticket, summary="Spliced at pole 12.", customer_message=text
    )
    assert response.status_code == 302
    reply = TicketMessage.objects.get(ticket=ticket, purpose=MessagePurpose.RESOLUTION)
    assert (reply.kind, reply.body, reply.author_id, reply.channel) == (
        "reply",
        text,
        staff.technician.pk,
        "email",
    )
    note = TicketMessage.objects.get(ticket=ticket, kind="note", body="Spliced at pole 12.")
    assert note.purpose == ""
    owed = Notification.objects.filter(ticket=ticket, dedupe_key=f"message:{reply.pk}")
    assert list(owed.values_list("channel", "template", "email")) == [
        ("email", "ticket_reply", "rina@example.co.id")
    ]
    assert owed.get().context["body"] == text
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED
    history = [entry.action for entry in selectors.ticket_history(ticket=ticket)]
    assert history[-1] == "resolve"
    # The portal's tracking page, in the customer's language.
    portal = Client()
    assert (
        portal.post("/portal/track/", {"number": ticket.number, "contact": "rina@example.co.id"}).status_code
        == 302
    )
    html = portal.get(f"/portal/tickets/{ticket.number}/").content.decode()
    section = between(html, 'data-testid="resolution"', "</section>")
    assert "Cara kami menyelesaikannya" in section
    assert text in section
    assert "Spliced at pole 12." not in html  # the internal summary stays internal


def test_a_resolution_without_a_customer_message_is_refused_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    before_owed = Notification.objects.filter(ticket=ticket).count()
    response = resolve(client_for(staff.technician), ticket, customer_message="  ")
    assert response.status_code == 400
    form = next(form for form in response.context["action_forms"] if form.action == "resolve")
    assert form.errors["customer_message"] == ["This field is required."]
    assert (row(ticket), history_count(ticket)) == (before_row, before_history)
    assert Notification.objects.filter(ticket=ticket).count() == before_owed
    assert not TicketMessage.objects.filter(ticket=ticket, purpose=MessagePurpose.RESOLUTION).exists()


# --- Confirmed — close ----------------------------------------------------------------------------------


def test_confirmed_and_closed_in_one_step_leaves_two_history_rows(staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    before = history_count(ticket)
    response = client_for(staff.agent).post(
        f"/console/tickets/{ticket.number}/confirm-close/", {"confirm-csat": "5", "confirm-comment": "Cepat."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{ticket.number}/"
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.close_reason) == ("closed", "confirmed")
    assert ticket.confirmed_at is not None and ticket.confirmed_at == ticket.closed_at
    entries = selectors.ticket_history(ticket=ticket)
    assert history_count(ticket) == before + 2
    assert [(entry.action, entry.changes["stage"]["after"]) for entry in entries[-2:]] == [
        ("confirm", "confirmed"),
        ("close", "closed"),
    ]
    assert ticket.rating.csat == 5
    assert Notification.objects.filter(ticket=ticket, template="ticket_closed").count() == 1


def test_the_button_is_offered_only_to_roles_that_may_take_both_steps(staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    assert 'data-testid="confirm-close"' in page(client_for(staff.agent), ticket)
    # A supervisor may close but not confirm: no button, and no confirm form at all.
    assert 'data-testid="confirm-close"' not in page(client_for(staff.supervisor), ticket)


@pytest.mark.parametrize(
    ("role", "stage", "status", "message"),
    [
        ("supervisor", Stage.RESOLVED, 403, "Your role does not allow “Confirm the fix”"),
        ("technician", Stage.RESOLVED, 403, "Your role does not allow “Confirm the fix”"),
        ("agent", Stage.DISPATCHED, 409, "cannot be given “Confirm the fix”"),
        ("agent", Stage.CONFIRMED, 409, "cannot be given “Confirm the fix”"),
    ],
)
def test_confirm_and_close_is_refused_when_either_step_is_not_allowed_and_changes_nothing(
    staff: Staff, role: str, stage: Stage, status: int, message: str
) -> None:
    ticket = ticket_in(stage, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    before_owed = Notification.objects.filter(ticket=ticket).count()
    before_messages = TicketMessage.objects.filter(ticket=ticket).count()
    response = client_for(staff.of(role)).post(f"/console/tickets/{ticket.number}/confirm-close/", {})
    assert response.status_code == status
    assert message in response.context["error_message"]
    assert row(ticket) == before_row
    assert history_count(ticket) == before_history
    assert Notification.objects.filter(ticket=ticket).count() == before_owed
    assert TicketMessage.objects.filter(ticket=ticket).count() == before_messages


def test_the_service_refuses_a_pair_the_role_does_not_allow_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    before_owed = Notification.objects.filter(ticket=ticket).count()
    with pytest.raises(Forbidden):
        services.ticket_confirm_and_close(ticket=ticket, actor=staff.supervisor)
    assert (row(ticket), history_count(ticket)) == (before_row, before_history)
    assert Notification.objects.filter(ticket=ticket).count() == before_owed


def test_bad_rating_input_on_confirm_and_close_is_a_field_error_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    before_row = row(ticket)
    response = client_for(staff.agent).post(
        f"/console/tickets/{ticket.number}/confirm-close/", {"confirm-csat": "9"}
    )
    assert response.status_code == 400
    assert response.context["error_action"] == "confirm"
    assert row(ticket) == before_row


# --- Canned replies ---------------------------------------------------------------------------------------


def macro_form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Sambungan pulih",
        "body": "Halo {customer_name}, tiket {ticket_number}.",
        "category": "",
        "language": "id",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("agent", False), ("support", False), ("technician", False), ("manager", False), ("supervisor", True)],
)
def test_only_supervisors_keep_the_canned_replies(staff: Staff, role: str, allowed: bool) -> None:
    macro = Macro.objects.create(title="Old", body="Text", language="id", changed_at="2026-01-01T00:00:00Z")
    client = client_for(staff.of(role))
    status = 200 if allowed else 403
    assert client.get("/console/macros/").status_code == status
    assert client.get("/console/macros/new/").status_code == status
    assert client.get(f"/console/macros/{macro.pk}/").status_code == status
    created = client.post("/console/macros/new/", macro_form())
    changed = client.post(f"/console/macros/{macro.pk}/", macro_form(title="Changed"))
    deactivated = client.post(f"/console/macros/{macro.pk}/active/", {"active": "0"})
    if allowed:
        assert [created.status_code, changed.status_code, deactivated.status_code] == [302, 302, 302]
        new = Macro.objects.get(title="Sambungan pulih")
        assert (new.body, new.category, new.language, new.is_active, new.changed_by_id) == (
            "Halo {customer_name}, tiket {ticket_number}.",
            "",
            "id",
            True,
            staff.supervisor.pk,
        )
        macro.refresh_from_db()
        assert (macro.title, macro.is_active, macro.changed_by_id) == ("Changed", False, staff.supervisor.pk)
    else:
        assert [created.status_code, changed.status_code, deactivated.status_code] == [403, 403, 403]
        assert list(Macro.objects.values_list("title", "is_active", "changed_by_id")) == [("Old", True, None)]


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"title": ""}, "title", "This field is required."),
        (
            {"body": "Halo {name}"},
            "body",
            "Unknown placeholder {name}; the text may use only "
            "{customer_name}, {ticket_number}, {agent_name}.",
        ),
        ({"language": "fr"}, "language", "Choose one of the options in the list."),
        (
            {"category": "weather"},
            "category",
            "Choose one of the options in the list.",
        ),
        ({"body": "x" * 4001}, "body", "Write at most 4000 characters (this has 4001)."),
    ],
)
def test_bad_macro_input_is_a_clear_field_error_and_saves_nothing(
    staff: Staff, overrides: dict[str, str], field: str, error: str
) -> None:
    response = client_for(staff.supervisor).post("/console/macros/new/", macro_form(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert not Macro.objects.exists()


def test_the_picker_offers_the_active_replies_of_the_category_and_the_customers_language(
    staff: Staff,
) -> None:
    def macro(title: str, **fields: Any) -> Macro:
        return Macro.objects.create(
            title=title, body=fields.pop("body", title), changed_at="2026-01-01T00:00:00Z", **fields
        )

    macro(
        "B network id",
        category="network",
        language="id",
        body="Halo {customer_name} ({ticket_number}), salam {agent_name} {x}",
    )
    macro("A every category id", category="", language="id")
    macro("Billing id", category="billing", language="id")
    macro("Network en", category="network", language="en")
    macro("Inactive", category="network", language="id", is_active=False)
    customer = CustomerFactory(name='Budi "B" <Santoso>')
    ticket = ticket_in(Stage.DISPATCHED, staff, service=ServiceFactory(customer=customer))
    staff.agent.first_name, staff.agent.last_name = "Sari", "Dewi"
    staff.agent.save()
    response = client_for(staff.agent).get(f"/console/tickets/{ticket.number}/")
    offered = response.context["macros"]
    assert [item.title for item in offered] == ["A every category id", "B network id"]
    assert offered[1].text == f'Halo Budi "B" <Santoso> ({ticket.number}), salam Sari Dewi {{x}}'
    html = response.content.decode()
    assert (
        f'data-text="Halo Budi &quot;B&quot; &lt;Santoso&gt; ({ticket.number}), salam Sari Dewi {{x}}"'
        in html
    )
    # Not offered to someone who may not reply.
    assert client_for(staff.director).get(f"/console/tickets/{ticket.number}/").context["macros"] == []


# --- System messages in the reader's language ---------------------------------------------------------------


def test_the_acknowledgement_is_shown_in_the_readers_language(staff: Staff) -> None:
    customer = CustomerFactory(email="ani@example.co.id")
    with translation.override("id"):
        ticket = make_ticket(actor=staff.agent, customer=customer)
    stored = TicketMessage.objects.get(ticket=ticket, kind="acknowledgement")
    assert (stored.purpose, stored.params) == ("acknowledgement", {"number": ticket.number})
    english = f"We have received your complaint. Your ticket number is {ticket.number}."
    indonesian = f"Komplain Anda sudah kami terima. Nomor tiket Anda adalah {ticket.number}."
    assert stored.body == indonesian
    assert english in page(client_for(staff.agent, "en"), ticket)
    assert indonesian in page(client_for(staff.agent, "id"), ticket)
    portal = Client()
    portal.post("/portal/track/", {"number": ticket.number, "contact": "ani@example.co.id"})
    assert indonesian in portal.get(f"/portal/tickets/{ticket.number}/").content.decode()
    portal.cookies["django_language"] = "en"
    assert english in portal.get(f"/portal/tickets/{ticket.number}/").content.decode()


def test_a_message_stored_before_purposes_keeps_its_stored_text(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    old = TicketMessage.objects.create(
        ticket=ticket, kind="acknowledgement", body="Teks lama yang tersimpan."
    )
    broken = TicketMessage.objects.create(
        ticket=ticket, kind="acknowledgement", body="Disimpan.", purpose="acknowledgement", params={}
    )
    with translation.override("en"):
        assert (old.text, broken.text) == ("Teks lama yang tersimpan.", "Disimpan.")
    assert "Teks lama yang tersimpan." in page(client_for(staff.agent, "en"), ticket)


def test_the_inbox_notice_is_shown_in_the_readers_language(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)  # held by the agent who logged it
    services.ticket_customer_message(ticket=ticket, body="Masih mati.", channel="portal")
    notice = Notification.objects.get(recipient=staff.agent, template="ticket_customer_message")
    assert notice.language == "id"  # owed in the floor's language
    english = client_for(staff.agent, "en").get("/console/inbox/").context["items"]
    indonesian = client_for(staff.agent, "id").get("/console/inbox/").context["items"]
    assert [item.subject for item in english] == [render_notification(notice, language="en")[0]]
    assert [item.subject for item in indonesian] == [render_notification(notice, language="id")[0]]
    assert english[0].subject != indonesian[0].subject
    assert ticket.number in english[0].subject


@pytest.mark.parametrize("count", [2, 20])
def test_the_canned_replies_page_runs_the_same_queries_however_many(
    staff: Staff, count: int, django_assert_num_queries: Any
) -> None:
    for index in range(count):
        Macro.objects.create(
            title=f"Reply {index:02d}",
            body="Text",
            language="id" if index % 2 else "en",
            is_active=bool(index % 3),
            changed_by=staff.supervisor,
            changed_at="2026-01-01T00:00:00Z",
        )
    client = client_for(staff.supervisor)
    client.get("/console/macros/")
    # session, user, roles, unread count (navigation), the canned replies with who changed them
    with django_assert_num_queries(5):
        response = client.get("/console/macros/")
    listed = response.context["macros"]
    assert len(listed) == count
    assert [macro.is_active for macro in listed] == sorted(
        (macro.is_active for macro in listed), reverse=True
    )
    assert response.content.decode().count("<tr data-macro=") == count
