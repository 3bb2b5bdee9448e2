"""Writes of the escalation module: raising escalations and acknowledging them. The people told are owed
their messages through the notifications outbox, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import structlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils.translation import gettext as _

from escalation.models import Escalation, Level, Reason
from helpdesk.lib.errors import Forbidden, NotAllowedNow
from helpdesk.lib.roles import Role, has_role
from notifications.services import notify_staff

if TYPE_CHECKING:
    from tickets.models import Ticket

log = structlog.get_logger(__name__)

LEVEL_ROLE = {Level.SUPERVISOR: Role.SUPERVISOR, Level.MANAGER: Role.MANAGER, Level.DIRECTOR: Role.DIRECTOR}


def _recipients_for_level(level: int) -> list[Any]:
    User = get_user_model()
    role = LEVEL_ROLE[Level(level)]
    return list(User.objects.filter(is_active=True, groups__name=role.value).order_by("id").distinct())


def escalation_raise(
    *,
    ticket: Ticket,
    level: int,
    reason: str,
    at: dt.datetime,
    actor: AbstractBaseUser | None = None,
    note: str = "",
    caller_saves_ticket: bool = False,
) -> Escalation | None:
    """Raise `ticket` to `level` for `reason`, once. Returns the new escalation, or None when this
    (ticket, level, reason) was already recorded — by this call's twin in another process, too: the
    insert is `ON CONFLICT DO NOTHING` against the unique constraint, so concurrent watchers cannot
    both win. The people of that level are notified by email and in their inbox, after commit.

    The ticket's `escalation_level` is raised in the database here, unless `caller_saves_ticket`: the
    caller (tickets' `ticket_act`, which holds the row locked) then saves it with the rest of its
    action, so that the action leaves one history row rather than one for the level and one for the
    rest."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO escalation_escalation (ticket_id, level, reason, note, raised_at, raised_by_id)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (ticket_id, level, reason) DO NOTHING
            RETURNING id
            """,
            [ticket.pk, level, reason, note, at, getattr(actor, "pk", None)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    escalation = Escalation.objects.get(pk=row[0])
    if not caller_saves_ticket:
        # The ticket's own model (the escalation app sits below tickets and names it only by relation).
        type(ticket)._default_manager.filter(pk=ticket.pk, escalation_level__lt=level).update(
            escalation_level=level
        )
    ticket.escalation_level = max(ticket.escalation_level, level)
    recipients = _recipients_for_level(level)
    escalation.notified.set(recipients)
    notify_staff(
        users=recipients,
        template="escalation_raised",
        ticket=ticket,
        context={
            "number": ticket.number,
            "level": level,
            "reason": reason,
            "note": note,
            "escalation_id": escalation.pk,
        },
        dedupe_key=f"escalation:{escalation.pk}",
    )
    log.info("escalation_raised", ticket=ticket.number, level=level, reason=reason)
    return escalation


def escalation_manual(
    *,
    ticket: Ticket,
    level: int,
    note: str,
    actor: AbstractBaseUser,
    at: dt.datetime,
    caller_saves_ticket: bool = False,
) -> Escalation:
    """Staff escalate directly (e.g. to the director for a strategic case or a high-value customer)."""
    escalation = escalation_raise(
        ticket=ticket,
        level=level,
        reason=Reason.MANUAL,
        at=at,
        actor=actor,
        note=note,
        caller_saves_ticket=caller_saves_ticket,
    )
    if escalation is None:
        raise NotAllowedNow(
            _("This ticket has already been escalated to level %(level)s by staff.") % {"level": level},
            code="already_escalated",
        )
    return escalation


def escalation_for_rejection(
    *, ticket: Ticket, at: dt.datetime, note: str = "", caller_saves_ticket: bool = False
) -> Escalation | None:
    """Dissatisfaction (SPEC §7): the first rejected fix asks for a supervisor review, the second and
    later go to the manager."""
    level = Level.SUPERVISOR if ticket.rejection_count <= 1 else Level.MANAGER
    return escalation_raise(
        ticket=ticket,
        level=level,
        reason=Reason.DISSATISFACTION,
        at=at,
        note=note,
        caller_saves_ticket=caller_saves_ticket,
    )


def escalation_for_public_exposure(*, ticket: Ticket, at: dt.datetime) -> Escalation | None:
    """A complaint made in public (social media) notifies the manager on arrival (SPEC §7)."""
    return escalation_raise(ticket=ticket, level=Level.MANAGER, reason=Reason.PUBLIC_EXPOSURE, at=at)


def escalation_acknowledge(*, escalation_id: int, actor: AbstractBaseUser, at: dt.datetime) -> Escalation:
    """The person at the escalation's level takes it: recorded once, with who and when."""
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        role = LEVEL_ROLE[Level(escalation.level)]
        if not has_role(actor, role) and not getattr(actor, "is_superuser", False):
            raise Forbidden(
                _("Only a %(role)s can acknowledge a level %(level)s escalation.")
                % {"role": role.value, "level": escalation.level}
            )
        if escalation.acknowledged_at is not None:
            raise NotAllowedNow(_("This escalation was already acknowledged."), code="already_acknowledged")
        escalation.acknowledged_at = at
        escalation.acknowledged_by = actor  # type: ignore[assignment]
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return escalation
