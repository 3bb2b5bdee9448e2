"""The one transition function, `ticket_act`: every stage change and every other action on a ticket goes
through it (SPEC §5, STYLE "Where logic lives"), over the table `tickets.models.ACTIONS`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pghistory
import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from helpdesk.lib import ticket_numbers
from helpdesk.lib.cleaning import active_user, clean_choice, clean_flag, clean_id, clean_text, refuse
from helpdesk.lib.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from helpdesk.lib.roles import ROLE_LABELS, Role, roles_of
from helpdesk.lib.zones import format_local, zone
from notifications import services as notifications
from reports.services import rca as rca_services
from reports.services import surveys as survey_services
from sla import selectors as sla_selectors
from sla import services as sla
from tickets.models import (
    ACTIONS,
    CLOSE_REASONS_BY_STAGE,
    HISTORY_FIELDS,
    Action,
    BillingStatus,
    Category,
    CategoryRoute,
    Channel,
    Classification,
    CloseReason,
    Incident,
    MessageKind,
    MessagePurpose,
    ServiceStatus,
    Stage,
    Team,
    Ticket,
    TicketMessage,
)
from tickets.services.actors import Via, recorded_as

log = structlog.get_logger(__name__)


@dataclass
class ActionResult:
    """What `ticket_act` did: the ticket after the action, and any record it made."""

    ticket: Ticket
    message: TicketMessage | None = None
    escalation_id: int | None = None


STAGE_NAMES = dict(Stage.choices)
ACTION_NAMES = dict(Action.choices)


def _actor_teams(actor: AbstractBaseUser | None) -> set[int]:
    if actor is None:
        return set()
    cached = getattr(actor, "_helpdesk_team_ids", None)
    if cached is None:
        cached = set(Team.objects.filter(members__pk=actor.pk).values_list("id", flat=True))
        actor._helpdesk_team_ids = cached  # type: ignore[attr-defined]
    return cached


def action_permitted(
    *, ticket: Ticket, actor: AbstractBaseUser | None, action: Action, via: str
) -> str | None:
    """None if the actor may take `action` on `ticket` as far as roles go, else why not."""
    rule = ACTIONS[action]
    if via == Via.PORTAL:
        if action in (Action.CONFIRM, Action.REJECT):
            return None
        return _("Customers cannot do this on the portal.")
    if actor is not None and getattr(actor, "is_superuser", False):
        return None
    roles = roles_of(actor)
    allowed = roles & rule.roles
    if not allowed:
        names = ", ".join(sorted(role.value for role in rule.roles))
        return _("Your role does not allow “%(action)s”; it needs one of: %(roles)s.") % {
            "action": ACTION_NAMES[action],
            "roles": names,
        }
    if allowed <= rule.team_only and (ticket.team_id is None or ticket.team_id not in _actor_teams(actor)):
        return _("Only members of the ticket's team can do “%(action)s”.") % {"action": ACTION_NAMES[action]}
    return None


def stage_refusal(ticket: Ticket, action: Action) -> str | None:
    """None if `action` is allowed in the ticket's current stage and pause state, else why not."""
    rule = ACTIONS[action]
    if ticket.stage not in rule.sources:
        allowed = ", ".join(str(STAGE_NAMES[s]) for s in Stage if s in rule.sources)
        return _(
            "A ticket in stage “%(stage)s” cannot be given “%(action)s”; that needs stage: %(allowed)s."
        ) % {
            "stage": STAGE_NAMES[ticket.stage],
            "action": ACTION_NAMES[action],
            "allowed": allowed,
        }
    if action == Action.UNLINK_INCIDENT and ticket.incident_id is None:
        return _("The ticket is not linked to an incident.")
    if rule.needs_paused is True and not ticket.paused:
        return _("The ticket is not waiting for the customer.")
    if rule.needs_paused is False and ticket.paused:
        return _("The ticket is waiting for the customer; resume it first.")
    return None


def allowed_actions(*, ticket: Ticket, actor: AbstractBaseUser | None) -> list[Action]:
    """The actions this person can take on this ticket now (for the console's buttons)."""
    return [
        action
        for action in ACTIONS
        if stage_refusal(ticket, action) is None
        and action_permitted(ticket=ticket, actor=actor, action=action, via=Via.STAFF) is None
    ]


def _flag(data: Mapping[str, Any], name: str) -> bool:
    return clean_flag(data.get(name))


def _user(value: object, *, field: str, role: Role | None = None) -> Any:
    user = active_user(value, field=field)
    if role is not None and role not in roles_of(user):
        raise refuse(field, _("This person is not a %(role)s.") % {"role": ROLE_LABELS[role]})
    return user


def _team(value: object) -> Team:
    team = Team.objects.filter(pk=clean_id(value, field="team", message=_("Unknown team."))).first()
    if team is None:
        raise refuse("team", _("Unknown team."))
    return team


class _Change:
    """What an action changed, and what it must do after commit."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.message: TicketMessage | None = None
        self.escalation_id: int | None = None
        # Work that needs the new stage saved first (still inside the same transaction).
        self.after_save: list[Callable[[Ticket], None]] = []


def _reply(
    ticket: Ticket,
    actor: Any,
    *,
    body: str,
    channel: str,
    now: dt.datetime,
    change: _Change,
    purpose: str = "",
) -> TicketMessage:
    """The one reply path: a public reply (or a logged call or visit) and, for a written reply, the
    message owed to the customer on their channel through the outbox."""
    # A call or visit logged by a person counts as contact; a written reply goes to the customer on the
    # channel asked for, else theirs (notifications.services.customer_channel), which the message records.
    kind = MessageKind.CONTACT if channel in (Channel.PHONE, Channel.WALK_IN) else MessageKind.REPLY
    if kind == MessageKind.REPLY:
        channel = notifications.customer_channel(ticket, channel) or channel
    message = TicketMessage.objects.create(
        ticket=ticket, kind=kind, author=actor, channel=channel, body=body, purpose=purpose
    )
    change.fields += sla.sla_first_response(ticket, at=now)
    if kind == MessageKind.REPLY:
        notifications.notify_customer(
            ticket=ticket,
            template="ticket_reply",
            context={"number": ticket.number, "body": body},
            dedupe_key=f"message:{message.pk}",
            channel=channel,
        )
    return message


def _do_respond(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    body = clean_text(data.get("body"), field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    channel = clean_choice(data.get("channel") or "", Channel, field="channel", required=False)
    change.message = _reply(ticket, actor, body=body, channel=channel, now=now, change=change)


def _do_note(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    body = clean_text(data.get("body"), field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    change.message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=actor, body=body
    )


def _do_verify(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    errors: dict[str, list[str]] = {}
    classification = category = ""
    try:
        classification = clean_choice(data.get("classification"), Classification, field="classification")
    except InvalidInput as exc:
        errors.update(exc.fields)
    # Verification may correct what the complaint is about (a mail's or a hurried call's category), before
    # dispatch routes it by category to a team.
    try:
        category = clean_choice(data.get("category"), Category, field="category", required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    # SPEC §5: verification looks at BOTH the service status and the billing standing.
    if not _flag(data, "service_status_checked"):
        errors["service_status_checked"] = [_("Check the customer's service status before verifying.")]
    if not _flag(data, "billing_checked"):
        errors["billing_checked"] = [_("Check the customer's billing standing before verifying.")]
    note = clean_text(data.get("note"), field="note", max_length=2000, required=False)
    service = ticket.service
    if (
        service is not None
        and (service.status != ServiceStatus.ACTIVE or service.billing_status == BillingStatus.OVERDUE)
        and not note
    ):
        # A customer whose line is cut must not just be told to pay and left there: say what happens next.
        errors["note"] = [
            _(
                "The service is %(status)s and billing is %(billing)s: "
                "record what the customer was told and what happens next."
            )
            % {"status": service.get_status_display(), "billing": service.get_billing_status_display()}
        ]
    if errors:
        raise InvalidInput(_("The ticket cannot be verified yet."), fields=errors)
    old_classification = ticket.classification
    ticket.classification = classification
    if category and category != ticket.category:
        ticket.category = category
        change.fields.append("category")
    ticket.service_status_checked = True
    ticket.billing_checked = True
    ticket.verified_service_status = service.status if service else ""
    ticket.verified_billing_status = service.billing_status if service else ""
    ticket.verified_at = now
    change.fields += [
        "classification",
        "service_status_checked",
        "billing_checked",
        "verified_service_status",
        "verified_billing_status",
        "verified_at",
    ]
    if note:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
        )
    if classification != old_classification:
        change.fields += sla.sla_reclassified(ticket)


def _do_dispatch(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    if data.get("team") not in (None, ""):
        team = _team(data.get("team"))
    else:
        route = CategoryRoute.objects.filter(category=ticket.category).select_related("team").first()
        if route is None:
            message = _("No team is configured for the category “%(category)s”; choose one.") % {
                "category": ticket.get_category_display()
            }
            raise InvalidInput(message, fields={"team": [message]})
        team = route.team
    ticket.team = team
    ticket.dispatched_at = now
    change.fields += ["team", "dispatched_at"]
    if data.get("assignee") not in (None, ""):
        assignee = _user(data.get("assignee"), field="assignee", role=Role.TECHNICIAN)
        if not team.members.filter(pk=assignee.pk).exists():
            message = _("This technician is not in the team %(team)s.") % {"team": team.name}
            raise InvalidInput(message, fields={"assignee": [message]})
        ticket.assignee = assignee
        change.fields.append("assignee")
    elif ticket.assignee_id and not team.members.filter(pk=ticket.assignee_id).exists():
        # Dispatched to a team without naming a technician: the team holds it (it shows in the team's
        # unassigned queue and its warnings go to the team), not the agent who logged it.
        ticket.assignee = None
        change.fields.append("assignee")


def _do_resolve(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    # SPEC §8: every resolved complaint has a Root Cause Analysis — a new one or an existing one
    # (one RCA can cover many tickets of the same incident). Reports owns the records (STYLE: the
    # resolve action may call its services).
    summary = clean_text(data.get("summary"), field="summary", max_length=4000, required=False)
    # What the customer is told (the console prefills it from the fix and the summary): a public reply
    # through the reply path, shown on the portal as "How we resolved it". Checked before the RCA is
    # written, so a bad text leaves no RCA behind.
    customer_message = clean_text(
        data.get("customer_message"),
        field="customer_message",
        max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"],
        required=False,
    )
    rca = rca_services.rca_for_resolution(author=actor, ref=data.get("rca"))
    ticket.rca = rca
    change.fields.append("rca")
    change.fields += sla.sla_resolved(ticket, at=now)
    if summary:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=summary
        )
    if customer_message:
        reply = _reply(
            ticket,
            actor,
            body=customer_message,
            channel="",
            now=now,
            change=change,
            purpose=MessagePurpose.RESOLUTION,
        )
        change.message = change.message or reply


def _do_confirm(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    ticket.confirmed_at = now
    change.fields.append("confirmed_at")
    if data.get("csat") not in (None, ""):
        # A rating given with the confirmation (the agent on the phone, or the portal) is kept with it.
        csat: Any = data.get("csat")  # checked by rating_record
        nps, comment = data.get("nps"), str(data.get("comment") or "")
        via = "portal" if actor is None else "agent"

        def record_rating(saved: Ticket) -> None:
            survey_services.rating_record(ticket=saved, csat=csat, nps=nps, comment=comment, via=via)

        change.after_save.append(record_rating)


def _do_reject(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    reason = clean_text(data.get("reason"), field="reason", max_length=2000, required=False)
    ticket.rejection_count += 1
    change.fields.append("rejection_count")
    change.fields += sla.sla_reopened(ticket, at=now)
    kind = MessageKind.CUSTOMER if actor is None else MessageKind.NOTE
    text = reason or _("The customer says the problem is not solved.")
    change.message = TicketMessage.objects.create(ticket=ticket, kind=kind, author=actor, body=text)
    escalation = escalation_services.escalation_for_rejection(
        ticket=ticket, at=now, note=text, caller_saves_ticket=True
    )
    change.fields.append("escalation_level")
    change.escalation_id = escalation.pk if escalation else None


def _do_close(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    stage = Stage(ticket.stage)
    allowed = CLOSE_REASONS_BY_STAGE[stage]
    given = data.get("reason") or (CloseReason.CONFIRMED if stage == Stage.CONFIRMED else "")
    reason = clean_choice(given, CloseReason, field="reason")
    if reason not in allowed:
        names = ", ".join(sorted(allowed))
        message = _("In stage “%(stage)s” a ticket can be closed only as: %(reasons)s.") % {
            "stage": STAGE_NAMES[stage],
            "reasons": names,
        }
        raise InvalidInput(message, fields={"reason": [message]})
    if reason == CloseReason.NO_RESPONSE:
        until = sla_selectors.confirmation_due(ticket) or now
        if now < until:
            raise NotAllowedNow(
                _("The customer has until %(until)s to confirm; close as “no response” only after that.")
                % {"until": format_local(until, zone(ticket.time_zone))},
                code="confirmation_window_open",
            )
    if reason == CloseReason.DUPLICATE:
        original = ticket_numbers.normalise(str(data.get("duplicate_of") or ""))
        target = Ticket.objects.filter(number=original).exclude(pk=ticket.pk).first() if original else None
        if target is None:
            message = _("Give the number of the ticket this one duplicates.")
            raise InvalidInput(message, fields={"duplicate_of": [message]})
        ticket.duplicate_of = target
        change.fields.append("duplicate_of")
    note = clean_text(
        data.get("note"), field="note", max_length=2000, required=reason in ("duplicate", "invalid")
    )
    ticket.close_reason = reason
    ticket.close_note = note
    ticket.closed_at = now
    if ticket.paused:
        change.fields += sla.sla_resumed(ticket, at=now, actor_id=getattr(actor, "pk", None))
    change.fields += ["close_reason", "close_note", "closed_at", *sla.sla_closed(ticket, at=now)]


def _do_escalate(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    try:
        level = int(str(data.get("level")))
    except ValueError:
        level = 0
    if level not in (1, 2, 3):
        raise InvalidInput(_("Choose level 1, 2 or 3."), fields={"level": [_("Choose level 1, 2 or 3.")]})
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000)
    escalation = escalation_services.escalation_manual(
        ticket=ticket, level=level, note=note, actor=actor, at=now, caller_saves_ticket=True
    )
    change.escalation_id = escalation.pk
    change.fields.append("escalation_level")


def _do_pause(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000, required=False)
    change.fields += sla.sla_paused(ticket, at=now, actor_id=getattr(actor, "pk", None))
    if note:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
        )


def _do_resume(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    change.fields += sla.sla_resumed(ticket, at=now, actor_id=getattr(actor, "pk", None))


def _do_assign(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    if data.get("team") not in (None, ""):
        ticket.team = _team(data.get("team"))
        change.fields.append("team")
    if "assignee" not in data and "team" not in data:
        raise InvalidInput(
            _("Give an assignee or a team."), fields={"assignee": [_("Give an assignee or a team.")]}
        )
    if data.get("assignee") in (None, ""):
        if "assignee" in data:
            ticket.assignee = None
            change.fields.append("assignee")
        return
    assignee = _user(data.get("assignee"), field="assignee")
    if ticket.team_id and ticket.stage == Stage.DISPATCHED and Role.TECHNICIAN in roles_of(assignee):
        if not Team.objects.filter(pk=ticket.team_id, members=assignee).exists():
            message = _("This technician is not in the ticket's team.")
            raise InvalidInput(message, fields={"assignee": [message]})
    elif not roles_of(assignee):
        message = _("This person has no staff role.")
        raise InvalidInput(message, fields={"assignee": [message]})
    ticket.assignee = assignee
    change.fields.append("assignee")


def _do_reclassify(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    classification = clean_choice(data.get("classification"), Classification, field="classification")
    if classification == ticket.classification:
        message = _("The ticket already has this classification.")
        raise InvalidInput(message, fields={"classification": [message]})
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000)
    ticket.classification = classification
    change.fields.append("classification")
    change.fields += sla.sla_reclassified(ticket)
    change.message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
    )


def _do_link_incident(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    pk = clean_id(data.get("incident"), field="incident", message=_("Choose an incident."))
    incident = Incident.objects.filter(pk=pk).first()
    if incident is None:
        raise refuse("incident", _("Unknown incident."))
    if not incident.is_open:
        raise refuse("incident", _("This incident is resolved; a complaint can join only an open one."))
    if ticket.incident_id == incident.pk:
        raise refuse("incident", _("The ticket is already linked to this incident."))
    ticket.incident = incident
    change.fields.append("incident")


def _do_unlink_incident(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    ticket.incident = None
    change.fields.append("incident")


_HANDLERS: dict[Action, Callable[[Ticket, Any, Mapping[str, Any], dt.datetime, _Change], None]] = {
    Action.RESPOND: _do_respond,
    Action.NOTE: _do_note,
    Action.VERIFY: _do_verify,
    Action.DISPATCH: _do_dispatch,
    Action.RESOLVE: _do_resolve,
    Action.CONFIRM: _do_confirm,
    Action.REJECT: _do_reject,
    Action.CLOSE: _do_close,
    Action.ESCALATE: _do_escalate,
    Action.PAUSE: _do_pause,
    Action.RESUME: _do_resume,
    Action.ASSIGN: _do_assign,
    Action.RECLASSIFY: _do_reclassify,
    Action.LINK_INCIDENT: _do_link_incident,
    Action.UNLINK_INCIDENT: _do_unlink_incident,
}

# Stage changes the customer hears about by email.
_CUSTOMER_NOTICES = {
    Stage.RESOLVED: "ticket_resolved",
    Stage.CLOSED: "ticket_closed",
}


def ticket_act(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    action: str,
    data: Mapping[str, Any] | None = None,
    via: str = Via.STAFF,
    now: dt.datetime | None = None,
) -> ActionResult:
    """Take `action` on `ticket`: the one transition function.

    Locks the ticket row, refuses an action the table (tickets.models.ACTIONS) does not allow with a
    domain error saying why (403 for the role, 409 for the stage), applies it, tells the SLA module,
    saves once, leaves a history row with who did what, and schedules notifications after commit.
    A refused action changes nothing: everything happens in one transaction."""
    data = data or {}
    now = now or timezone.now()
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise NotFound(
            _("Unknown action “%(action)s”.") % {"action": str(action)[:40]}, code="unknown_action"
        ) from exc
    rule = ACTIONS[chosen]

    with transaction.atomic(), recorded_as(actor, via, action=chosen.value):
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "service", "customer__region", "service__region")
            .get(pk=ticket.pk)
        )
        refusal = action_permitted(ticket=locked, actor=actor, action=chosen, via=via)
        if refusal:
            raise Forbidden(refusal)
        refusal = stage_refusal(locked, chosen)
        if refusal:
            raise NotAllowedNow(refusal)
        change = _Change()
        _HANDLERS[chosen](locked, actor, data, now, change)
        if rule.target is not None:
            locked.move_to(rule.target)
            change.fields.append("stage")
            change.fields += sla.sla_stage_entered(locked, now)
        fields = sorted(set(change.fields))
        locked.save(update_fields=[*fields, "updated_at"])
        if not set(fields) & set(HISTORY_FIELDS):
            pghistory.create_event(locked, label="acted")
        for follow_up in change.after_save:
            follow_up(locked)
        notice = _CUSTOMER_NOTICES.get(Stage(locked.stage)) if rule.target is not None else None
        if notice:
            confirm_by = sla_selectors.confirmation_due(locked) if locked.stage == Stage.RESOLVED else None
            notifications.notify_customer(
                ticket=locked,
                template=notice,
                context={
                    "number": locked.number,
                    "confirm_by": confirm_by.isoformat() if confirm_by else None,
                },
                dedupe_key=f"ticket:{locked.pk}:{notice}:{now.isoformat()}",
            )
    log.info("ticket_action", number=locked.number, action=chosen.value, via=via, stage=locked.stage)
    return ActionResult(ticket=locked, message=change.message, escalation_id=change.escalation_id)


def confirm_and_close_refusal(
    *, ticket: Ticket, actor: AbstractBaseUser | None, via: str = Via.STAFF
) -> Forbidden | NotAllowedNow | None:
    """None if the actor may record the customer's confirmation and close the ticket as confirmed now,
    else the refusal of the first step that is not allowed (the same words as the two separate actions)."""
    for action in (Action.CONFIRM, Action.CLOSE):
        reason = action_permitted(ticket=ticket, actor=actor, action=action, via=via)
        if reason:
            return Forbidden(reason)
    reason = stage_refusal(ticket, Action.CONFIRM)
    if reason:
        return NotAllowedNow(reason)
    if Stage.CONFIRMED not in ACTIONS[Action.CLOSE].sources:  # the table decides, not this function
        return NotAllowedNow(_("A confirmed ticket cannot be closed."))
    return None


def ticket_confirm_and_close(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    data: Mapping[str, Any] | None = None,
    via: str = Via.STAFF,
    now: dt.datetime | None = None,
) -> ActionResult:
    """The customer confirmed the fix (on the phone, at the counter) and the ticket is closed at once as
    "confirmed": the two actions of the flow table, each through `ticket_act` (each with its own history
    row and side effects), in one transaction. Both are checked under the row lock before either is taken,
    so a refused pair changes nothing and owes nothing. `data` is the confirmation's (the rating)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        refusal = confirm_and_close_refusal(ticket=locked, actor=actor, via=via)
        if refusal is not None:
            raise refusal
        ticket_act(ticket=locked, actor=actor, action=Action.CONFIRM, data=data or {}, via=via, now=now)
        result = ticket_act(
            ticket=locked,
            actor=actor,
            action=Action.CLOSE,
            data={"reason": CloseReason.CONFIRMED},
            via=via,
            now=now,
        )
    log.info("ticket_confirmed_and_closed", number=result.ticket.number, via=via)
    return result
