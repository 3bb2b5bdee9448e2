"""Reads of the escalation module: the escalations a viewer may see (the tickets' own visibility rule,
helpdesk.lib.access), for the API and the supervisors' pages."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, QuerySet

from escalation.models import Escalation
from helpdesk.lib.access import ticket_visibility_q


def escalations_visible(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Escalation]:
    """Escalations of the tickets the viewer may see; open ones first, newest first, prefetched.
    Someone signed out sees none (the API schema generator asks as nobody)."""
    return (
        Escalation.objects.filter(ticket_visibility_q(viewer, prefix="ticket__"))
        .select_related("ticket", "raised_by", "acknowledged_by")
        .prefetch_related("notified")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-raised_at", "-id")
    )
