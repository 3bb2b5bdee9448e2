"""API reads of the escalation module (the pages' queue selectors are in escalation.selectors)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet

from escalation.models import Escalation
from tickets.selectors import visible_tickets


def escalations_visible(*, viewer: AbstractBaseUser) -> QuerySet[Escalation]:
    """Escalations of the tickets the viewer may see; open ones first, newest first, prefetched."""
    return (
        Escalation.objects.filter(ticket__in=visible_tickets(viewer=viewer).values("id"))
        .select_related("ticket", "raised_by", "acknowledged_by")
        .prefetch_related("notified")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-raised_at", "-id")
    )
