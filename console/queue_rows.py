"""A console queue row's words, worked out in Python once per row for templates/console/queue.html.

The template keeps the markup; what each cell says (the badges, the labels, the times, the links) is
made here, so that a row is plain variable lookups. A page of fifty rows spent most of its time in
the template engine's per-row filters and tags (some forty of them a row); made here they cost a
fraction of that, and the page's cost no longer climbs steeply with the rows it shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from console.selectors import ticket_url
from console.templatetags.console import BadgeWords, ago, at_most, badge_html, badge_words, subject_line
from helpdesk.lib import zones
from tickets.selectors import person_name

EMPTY = "—"


@dataclass(frozen=True)
class QueueRow:
    ticket: Any
    number: str
    url: str
    select_label: str
    level_label: str  # "L2" when escalated, else ""
    public: bool
    incident_id: int | None
    incident_url: str
    incident_title: str
    hover: str
    subject: str
    customer: str
    tier_label: str  # shown for high-value customers only
    category: str
    classification: str
    stage: str
    paused: bool
    team: str
    assignee: str
    updated_title: str
    updated_ago: str
    response_badge: SafeString
    resolution_badge: SafeString


def _page_badges() -> tuple[Any, BadgeWords]:
    """The viewer's zone and the badges' words, looked up once for a page rather than for each badge."""
    return zones.current_zone(), badge_words(translation.get_language())


def queue_rows(tickets: list[Any], *, now: dt.datetime) -> list[QueueRow]:
    zone, words = _page_badges()
    return [_row(ticket, now=now, zone=zone, words=words) for ticket in tickets]


def _row(ticket: Any, *, now: dt.datetime, zone: Any, words: BadgeWords) -> QueueRow:
    number = ticket.number
    customer = ticket.customer
    assignee = ticket.assignee
    team = ticket.team
    incident_id = ticket.incident_id
    return QueueRow(
        ticket=ticket,
        number=number,
        url=ticket_url(number),
        select_label=_("Select ticket %(number)s") % {"number": number},
        level_label=_("L%(level)s") % {"level": ticket.escalation_level} if ticket.escalation_level else "",
        public=bool(ticket.public_exposure),
        incident_id=incident_id,
        incident_url=reverse("console:incident", args=[incident_id]) if incident_id else "",
        incident_title=truncatechars(ticket.incident.title, 40) if incident_id else "",
        hover=at_most(ticket.description, 500),
        subject=subject_line(ticket.description),
        customer=customer.name,
        tier_label=str(customer.get_tier_display()) if customer.tier == "high_value" else "",
        category=str(ticket.get_category_display()),
        classification=str(ticket.get_classification_display() or EMPTY),
        stage=str(ticket.get_stage_display()),
        paused=bool(ticket.paused),
        team=(team.label or EMPTY) if team is not None else EMPTY,
        assignee=person_name(assignee) or EMPTY,
        updated_title=zones.moment_text(ticket.updated_at, "long", zone) if ticket.updated_at else "",
        updated_ago=ago(ticket.updated_at, now),
        response_badge=badge_html(ticket, "response", now=now, zone=zone, words=words),
        resolution_badge=badge_html(ticket, "resolution", now=now, zone=zone, words=words),
    )


@dataclass(frozen=True)
class BoardCard:
    """A live board card's words (templates/console/escalations/_board_list.html), made here for the same
    reason as a queue row's: the board shows a hundred cards, each with two SLA badges."""

    ticket: Any
    number: str
    url: str
    customer: str
    stage: str
    level_label: str  # "Level 2" when escalated, else ""
    team: str
    assignee: str  # "" when nobody is assigned
    description: str
    response_badge: SafeString
    resolution_badge: SafeString


def board_cards(tickets: Sequence[Any], *, now: dt.datetime) -> list[BoardCard]:
    zone, words = _page_badges()
    no_team = _("No team")
    return [
        BoardCard(
            ticket=ticket,
            number=ticket.number,
            url=ticket_url(ticket.number),
            customer=ticket.customer.name,
            stage=str(ticket.get_stage_display()),
            level_label=_("Level %(level)s") % {"level": ticket.escalation_level}
            if ticket.escalation_level
            else "",
            team=(ticket.team.label or no_team) if ticket.team is not None else no_team,
            assignee=person_name(ticket.assignee),
            description=at_most(ticket.description, 80),
            response_badge=badge_html(ticket, "response", now=now, zone=zone, words=words),
            resolution_badge=badge_html(ticket, "resolution", now=now, zone=zone, words=words),
        )
        for ticket in tickets
    ]
