"""Writes of the console queue: an action taken on a selection of tickets at once (assign, internal
note), each ticket through the one transition function, and the queue views people save."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helpdesk.lib import ticket_numbers
from helpdesk.lib.cleaning import active_user, clean_text, refuse
from helpdesk.lib.errors import DomainError, NotFound
from tickets import selectors
from tickets.models import SAVED_VIEWS_MAX, Action, SavedQueueView, Team

# A selection is at most one screenful of pages; more at once is a job for a script, not a click.
BULK_MAX = 500
BULK_ACTIONS = ("assign", "note")


def tickets_bulk_act(
    *, actor: Any, numbers: Sequence[str], action: str, data: Mapping[str, Any]
) -> dict[str, str]:
    """Take `action` ("assign" or "note") on each of these tickets through `ticket_act`, which checks
    the actor's role and the ticket's stage for each one and writes its history row. Returns {number: ""
    when done, else why not}; a refused ticket changes nothing and does not stop the others.

    Only tickets the actor may see are found (`visible_tickets`); another one is "no ticket", as on its
    page. For "assign", the person must be able to hold each ticket (`selectors.assignable_refusal`, the
    ticket page's picker rule), checked before `ticket_act` is asked."""
    from tickets.services.actions import action_permitted, stage_refusal, ticket_act
    from tickets.services.actors import Via

    if action not in BULK_ACTIONS:
        raise refuse("action", _("Unknown bulk action."))
    if not numbers:
        raise refuse("tickets", _("Select one or more tickets in the queue."))
    if len(numbers) > BULK_MAX:
        raise refuse("tickets", _("Select at most %(max)s tickets at once.") % {"max": BULK_MAX})
    payload: dict[str, Any]
    person: Any = None
    person_teams: set[int] = set()
    if action == "assign":
        person = active_user(data.get("assignee"), field="assignee")
        person_teams = set(Team.objects.filter(members__pk=person.pk).values_list("id", flat=True))
        payload = {"assignee": person.pk}
    else:
        body = clean_text(data.get("body"), field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
        payload = {"body": body}
    wanted = {ticket_numbers.normalise(str(number)) or str(number): str(number) for number in numbers}
    found = {
        ticket.number: ticket
        for ticket in selectors.visible_tickets(viewer=actor).filter(number__in=list(wanted))
    }
    results: dict[str, str] = {}
    for normalised, typed in wanted.items():
        ticket = found.get(normalised)
        if ticket is None:
            results[typed] = str(_("No ticket with this number."))
            continue
        if person is not None:
            # The role and stage first (as the ticket page refuses before it reads the form), so that a
            # closed ticket says it is closed rather than who may hold it; `ticket_act` checks them again
            # under the row lock.
            why = action_permitted(ticket=ticket, actor=actor, action=Action.ASSIGN, via=Via.STAFF)
            why = why or stage_refusal(ticket, Action.ASSIGN)
            why = why or selectors.assignable_refusal(
                ticket=ticket, person=person, person_team_ids=person_teams
            )
            if why:
                results[ticket.number] = why
                continue
        try:
            ticket_act(ticket=ticket, actor=actor, action=action, data=payload)
        except DomainError as exc:
            results[ticket.number] = exc.message
        else:
            results[ticket.number] = ""
    return results


# --- Saved queue views ---------------------------------------------------------------------------------


def _clean_name(name: object) -> str:
    return clean_text(" ".join(str(name or "").split()), field="name", max_length=60)


def _clean_query(query: object) -> str:
    text = str(query or "")
    if len(text) > 1000:
        raise refuse("query", _("These filters are too long to save."))
    return text.replace("\x00", "")


def saved_view_create(*, owner: Any, name: object, query: object) -> SavedQueueView:
    """Save the queue's current filters (`query`, as the console wrote it) under a name of the owner's."""
    clean = _clean_name(name)
    text = _clean_query(query)
    with transaction.atomic():
        # The owner's row, locked: two saves at once cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        if SavedQueueView.objects.filter(owner_id=owner.pk).count() >= SAVED_VIEWS_MAX:
            raise refuse(
                "name", _("You can keep at most %(max)s views; delete one first.") % {"max": SAVED_VIEWS_MAX}
            )
        if SavedQueueView.objects.filter(owner_id=owner.pk, name=clean).exists():
            raise refuse("name", _("You already have a view with this name."))
        try:
            with transaction.atomic():
                return SavedQueueView.objects.create(owner_id=owner.pk, name=clean, query=text)
        except IntegrityError as exc:
            raise refuse("name", _("You already have a view with this name.")) from exc


def _own_view(owner: Any, view_id: object) -> SavedQueueView:
    digits = str(view_id)
    view = None
    if digits.isdigit() and len(digits) < 12:
        view = SavedQueueView.objects.filter(owner_id=owner.pk, pk=int(digits)).first()
    if view is None:
        raise NotFound(_("No such view of yours."))
    return view


def saved_view_rename(*, owner: Any, view_id: object, name: object) -> SavedQueueView:
    """Rename one of the owner's views (someone else's is not found: nothing changes)."""
    clean = _clean_name(name)
    with transaction.atomic():
        view = _own_view(owner, view_id)
        if view.name == clean:
            return view
        if SavedQueueView.objects.filter(owner_id=owner.pk, name=clean).exclude(pk=view.pk).exists():
            raise refuse("name", _("You already have a view with this name."))
        view.name = clean
        try:
            with transaction.atomic():
                view.save(update_fields=["name"])
        except IntegrityError as exc:
            raise refuse("name", _("You already have a view with this name.")) from exc
    return view


def saved_view_delete(*, owner: Any, view_id: object) -> str:
    """Delete one of the owner's views; returns its name (someone else's is not found)."""
    view = _own_view(owner, view_id)
    name = view.name
    view.delete()
    return name
