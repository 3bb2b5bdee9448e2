"""Mass incidents (SPEC §10): declared by a supervisor or the network operations team, their complaints
linked as they arrive, their public updates owed to every linked customer and subscriber in one
statement, and their resolution carried to every linked open ticket in bounded batches.

Resolving an incident is the one sanctioned jump past the stages: its linked tickets go from received,
verified or dispatched straight to resolved with the incident's RCA. Each ticket's history row says so
(the context names the action `incident_resolve` and the incident), and its customer is asked to confirm
as after any fix."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.lib import ticket_numbers
from helpdesk.lib.cleaning import clean_choice, clean_id, clean_past_time, clean_text, refuse
from helpdesk.lib.contact import normalise_email, normalise_phone
from helpdesk.lib.errors import DomainError, Forbidden, InvalidInput, NotAllowedNow
from notifications import outbox
from notifications.services import send_after_commit
from reports.services import rca as rca_services
from sla import bulk as sla_bulk
from sla import selectors as sla_selectors
from sla.sweep import JIT_OFF, history_columns, skip_history_trigger
from tickets import selectors
from tickets.models import (
    NO_RUNNING_CLOCK,
    OPEN_STAGES,
    Incident,
    IncidentSubscription,
    IncidentUpdate,
    Region,
    ServiceKind,
    Stage,
    Ticket,
)
from tickets.services.actors import CONTEXT_SQL, Via, context_params, recorded_as

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = structlog.get_logger(__name__)

TITLE_MAX = 200
DETAILS_MAX = 10_000
# How far ahead of now an expected restoration may be promised (a typo of the year is refused).
EXPECTED_AT_MOST = dt.timedelta(days=366)


def _require_manager(actor: User | None) -> None:
    if not selectors.can_manage_incidents(actor):
        raise Forbidden(
            _("Incidents are declared and updated by supervisors and the network operations team.")
        )


def _regions(values: Iterable[Any]) -> list[Region]:
    wanted: set[int] = set()
    codes: set[str] = set()
    for value in values:
        if isinstance(value, Region):
            wanted.add(value.pk)
        elif isinstance(value, str) and not value.isdigit():
            codes.add(value.strip().lower()[:16])
        else:
            wanted.add(clean_id(value, field="regions", message=_("Unknown region.")))
    found = list(Region.objects.filter(pk__in=wanted)) + list(Region.objects.filter(code__in=codes))
    if not found or len({region.pk for region in found}) < len(wanted) + len(codes):
        raise refuse("regions", _("Choose one or more known regions."))
    return found


def _kinds(values: Iterable[Any]) -> list[str]:
    return sorted({clean_choice(value, ServiceKind, field="service_kinds") for value in values})


def _expected(value: dt.datetime | None, *, field: str, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise refuse(field, _("Give the time with its UTC offset, e.g. 2026-01-31T09:30:00+07:00."))
    if value > now + EXPECTED_AT_MOST:
        raise refuse(field, _("This time is too far in the future."))
    return value


def incident_declare(
    *,
    actor: User | None,
    title: str,
    details_id: str,
    regions: Sequence[Any],
    details_en: str = "",
    service_kinds: Sequence[str] = (),
    started_at: dt.datetime | None = None,
    expected_restoration_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Declare a mass incident: complaints from its regions about its kinds of service (every kind when
    none is named) are linked to it from now on."""
    _require_manager(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = {
        "title": lambda: clean_text(title, field="title", max_length=TITLE_MAX),
        "details_id": lambda: clean_text(details_id, field="details_id", max_length=DETAILS_MAX),
        "details_en": lambda: clean_text(
            details_en, field="details_en", max_length=DETAILS_MAX, required=False
        ),
        "regions": lambda: _regions(regions),
        "service_kinds": lambda: _kinds(service_kinds),
        "started_at": lambda: clean_past_time(started_at or now, field="started_at", now=now),
        "expected_restoration_at": lambda: _expected(
            expected_restoration_at, field="expected_restoration_at", now=now
        ),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(
            _("The incident cannot be declared; see the messages for each field."), fields=errors
        )
    chosen = values.pop("regions")
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action="incident_declare"):
        incident = Incident.objects.create(
            declared_by=actor if getattr(actor, "pk", None) else None, **values
        )
        incident.regions.set(chosen)
    log.info("incident_declared", incident=incident.pk, regions=[region.code for region in chosen])
    return incident


def incident_change(
    *,
    incident: Incident,
    actor: User | None,
    data: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Incident:
    """Change an open incident's title, public details, regions, kinds of service or expected restoration
    (fields not given stay). Complaints already linked stay linked."""
    _require_manager(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    changed: dict[str, Any] = {}
    checks: dict[str, Callable[[Any], Any]] = {
        "title": lambda v: clean_text(v, field="title", max_length=TITLE_MAX),
        "details_id": lambda v: clean_text(v, field="details_id", max_length=DETAILS_MAX),
        "details_en": lambda v: clean_text(v, field="details_en", max_length=DETAILS_MAX, required=False),
        "regions": _regions,
        "service_kinds": _kinds,
        "expected_restoration_at": lambda v: _expected(v, field="expected_restoration_at", now=now),
    }
    for name, check in checks.items():
        if name in data:
            try:
                changed[name] = check(data[name])
            except InvalidInput as exc:
                errors.update(exc.fields)
    if errors:
        raise InvalidInput(
            _("The incident cannot be changed; see the messages for each field."), fields=errors
        )
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action="incident_change"):
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise NotAllowedNow(_("This incident is resolved."), code="incident_resolved")
        chosen = changed.pop("regions", None)
        for name, value in changed.items():
            setattr(locked, name, value)
        if changed:
            locked.save(update_fields=list(changed))
        if chosen is not None:
            locked.regions.set(chosen)
    return locked


def incident_update_post(
    *,
    incident: Incident,
    actor: User | None,
    body_id: str,
    body_en: str = "",
    expected_restoration_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IncidentUpdate:
    """Post a public update (SPEC §10). It is owed, in one statement, to every customer of a linked ticket
    and every subscriber — once per address, in the language and zone of each — on their channel."""
    _require_manager(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        body_id = clean_text(body_id, field="body_id", max_length=DETAILS_MAX)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        body_en = clean_text(body_en, field="body_en", max_length=DETAILS_MAX, required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        expected = _expected(expected_restoration_at, field="expected_restoration_at", now=now)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The update cannot be posted; see the messages for each field."), fields=errors)
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action="incident_update"):
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise NotAllowedNow(
                _("This incident is resolved; its updates are closed."), code="incident_resolved"
            )
        update = IncidentUpdate.objects.create(
            incident=locked,
            body_id=body_id,
            body_en=body_en,
            expected_restoration_at=expected,
            posted_by=actor if getattr(actor, "pk", None) else None,
            posted_at=now,
        )
        if expected is not None and expected != locked.expected_restoration_at:
            locked.expected_restoration_at = expected
            locked.save(update_fields=["expected_restoration_at"])
        owed = _broadcast(locked, update, now=now)
    log.info("incident_update_posted", incident=locked.pk, update=update.pk, owed=owed)
    return update


# Who hears an incident's updates: every linked ticket's customer (the contact given with the ticket, else
# the customer's own address) and every subscriber, once per address (the first one found: a linked ticket
# before a subscription, so its zone is the ticket's).
_BROADCAST_SQL = f"""
WITH addresses AS (
    SELECT COALESCE(NULLIF(t.contact_email, ''), c.email) AS email, 'id' AS language, t.time_zone, 0 AS rank
    FROM tickets_ticket t
    JOIN tickets_customer c ON c.id = t.customer_id
    WHERE t.incident_id = %(incident)s
    UNION ALL
    SELECT s.email, s.language, s.time_zone, 1 FROM tickets_incidentsubscription s
    WHERE s.incident_id = %(incident)s AND s.email <> ''
),
recipients AS (
    SELECT DISTINCT ON (lower(email)) email, language, time_zone
    FROM addresses WHERE email <> ''
    ORDER BY lower(email), rank
),
owed AS (
    SELECT 'email'::text AS channel, NULL::bigint AS recipient_id, r.email, r.language, r.time_zone,
           'incident_update'::text AS template, %(context)s::jsonb AS context, NULL::bigint AS ticket_id,
           'incident-update:' || %(update)s || ':email:' || lower(r.email) AS dedupe_key
    FROM recipients r
),
written AS ({outbox.insert_sql(source="owed")})
SELECT id FROM written WHERE channel = 'email'
"""


def _broadcast(incident: Incident, update: IncidentUpdate, *, now: dt.datetime) -> int:
    context = {
        "incident_id": incident.pk,
        "title": incident.title,
        "body_id": update.body_id,
        "body_en": update.body_en,
        "expected_at": incident.expected_restoration_at.isoformat()
        if incident.expected_restoration_at
        else None,
        "posted_at": update.posted_at.isoformat(),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            JIT_OFF + _BROADCAST_SQL,
            {
                "incident": incident.pk,
                "update": update.pk,
                "context": json.dumps(context, cls=DjangoJSONEncoder),
                "now": now,
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    send_after_commit(ids)
    return len(ids)


def incident_subscribe(
    *,
    incident: Incident,
    email: str = "",
    phone: str = "",
    language: str = "id",
    time_zone: str = "",
) -> IncidentSubscription:
    """A customer asks to be kept informed of an open incident instead of filing a complaint. Asking again
    with the same address changes nothing."""
    errors: dict[str, list[str]] = {}
    email_n = phone_n = ""
    if email:
        try:
            email_n = normalise_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if phone:
        try:
            phone_n = normalise_phone(phone)
        except ValidationError:
            errors["phone"] = [_("Enter a valid phone number.")]
    if not email and not phone:
        errors["email"] = [_("Give an email address or a phone number.")]
    if errors:
        raise InvalidInput(_("We cannot keep you informed with these details."), fields=errors)
    language = language if language in dict(settings.LANGUAGES) else "id"
    zone = time_zone if time_zone in sla_selectors.region_time_zones().values() else ""
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise NotAllowedNow(_("This incident is over: service is back."), code="incident_resolved")
        existing = IncidentSubscription.objects.filter(incident=locked)
        found = (existing.filter(email=email_n).first() if email_n else None) or (
            existing.filter(phone=phone_n).first() if phone_n else None
        )
        if found is not None:
            return found
        return IncidentSubscription.objects.create(
            incident=locked,
            email=email_n,
            phone=phone_n,
            language=language,
            time_zone=zone or _incident_zone(locked),
        )


def _incident_zone(incident: Incident) -> str:
    """The zone a subscriber who named none reads times in: the incident's regions' (when they share
    one), else the default."""
    zones = {sla_selectors.time_zone_of(region_id=pk) for pk in incident.regions.values_list("id", flat=True)}
    return zones.pop() if len(zones) == 1 else sla_selectors.default_time_zone()


def incident_resolve(
    *, incident: Incident, actor: User | None, rca: object, now: dt.datetime | None = None
) -> Incident:
    """Declare the incident resolved, with its RCA (a new one's fields, or an existing one's id): every
    linked open ticket is then resolved with that RCA by `incidents_resolve_tickets`, in batches, after
    commit (and by beat, should the worker die halfway)."""
    _require_manager(actor)
    now = now or timezone.now()
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action="incident_resolve"):
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise NotAllowedNow(_("This incident is already resolved."), code="incident_resolved")
        locked.rca = rca_services.rca_for_resolution(author=actor, ref=rca)
        locked.resolved_at = now
        locked.save(update_fields=["rca", "resolved_at"])
        transaction.on_commit(lambda: _enqueue_resolution(locked.pk))
    log.info("incident_resolved", incident=locked.pk, rca=locked.rca_id)
    return locked


def _enqueue_resolution(incident_id: int) -> None:
    from tickets.tasks import incident_resolve_tickets

    try:
        incident_resolve_tickets.delay(incident_id)
    except Exception:  # the broker is away: beat's incidents_finish picks it up
        log.warning("incident_resolution_enqueue_failed", incident=incident_id)


def _resolve_batch_sql() -> str:
    columns = history_columns()
    history = ", ".join(columns)
    moved_history = ", ".join(f"m.{column}" for column in columns)
    region = "COALESCE(s.region_id, c.region_id)"
    return f"""
    WITH picked AS (
        SELECT t.id FROM tickets_ticket t
        WHERE t.incident_id = %(incident)s
          AND t.stage IN ({", ".join(f"'{stage.value}'" for stage in sorted(OPEN_STAGES))})
        ORDER BY t.id
        LIMIT %(batch)s
        FOR UPDATE OF t SKIP LOCKED
    ),
    moved AS (
        UPDATE tickets_ticket t SET
            stage = '{Stage.RESOLVED.value}',
            rca_id = %(rca)s,
            updated_at = %(at)s,
            {sla_bulk.resolved_set_sql(ticket="t", stage_due=sla_bulk.stage_due_sql(region_id=region))}
        FROM picked p
        JOIN tickets_ticket src ON src.id = p.id
        JOIN tickets_customer c ON c.id = src.customer_id
        LEFT JOIN tickets_service s ON s.id = src.service_id
        WHERE t.id = p.id
        RETURNING t.*, COALESCE(NULLIF(t.contact_email, ''), c.email) AS address
    ),
    pauses AS ({sla_bulk.pauses_end_sql(tickets="SELECT id FROM moved")}),
    history AS (
        -- The rows pghistory's trigger would write, for the batch at once (the trigger stands aside for
        -- this transaction: sla.sweep.skip_history_trigger); the context names the incident.
        INSERT INTO tickets_tickethistory (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {history})
        SELECT clock_timestamp(), 'changed', m.id, (SELECT _pgh_attach_context()), {moved_history}
        FROM moved m
    ),
    owed AS (
        -- Each customer is asked to confirm, as after any fix (tickets.services.actions' notice).
        SELECT 'email'::text AS channel, NULL::bigint AS recipient_id, m.address AS email, 'id' AS language,
               m.time_zone, 'ticket_resolved'::text AS template,
               jsonb_build_object('number', m.number, 'confirm_by', %(confirm_by)s::text,
                                  'incident_id', %(incident)s::bigint) AS context,
               m.id AS ticket_id,
               'ticket:' || m.id || ':ticket_resolved:' || %(at_key)s AS dedupe_key
        FROM moved m
    ),
    written AS ({outbox.insert_sql(source="owed")})
    SELECT (SELECT count(*) FROM moved),
           COALESCE((SELECT array_agg(id) FROM written WHERE channel = 'email'), '{{}}')
    """


def _batch_size(batch_size: int | None) -> int:
    """Linked tickets moved per statement: a batch is one short transaction (settings
    HELPDESK["INCIDENT_RESOLVE_BATCH_SIZE"] unless the caller names one)."""
    return int(batch_size or settings.HELPDESK["INCIDENT_RESOLVE_BATCH_SIZE"])


def incident_resolve_batch(*, incident_id: int, batch_size: int | None = None) -> int:
    """Move one batch of the resolved incident's linked open tickets to resolved, in one statement and
    one transaction; returns how many moved (0: none left). Safe to run twice or in two workers at once:
    a moved ticket is no longer open, and locked rows are skipped."""
    incident = Incident.objects.filter(pk=incident_id, resolved_at__isnull=False).first()
    if incident is None or incident.rca_id is None:
        return 0
    at = incident.resolved_at
    if at is None:  # filtered above; says so to the type checker
        return 0
    confirm_by = sla_selectors.confirmation_due_after(at)
    stage_dues = sla_bulk.stage_dues_after(
        Stage.RESOLVED, at=at, region_ids=sla_selectors.region_time_zones().keys()
    )
    # The history context of the batch, declared in the same statement (tickets.services.actors): the
    # system resolved these tickets, with the incident named.
    metadata = {
        "user": None,
        "username": "system",
        "via": Via.SYSTEM,
        "action": "incident_resolve",
        "incident": incident.pk,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            JIT_OFF + skip_history_trigger() + CONTEXT_SQL + ";\n" + _resolve_batch_sql(),
            {
                "incident": incident.pk,
                "batch": _batch_size(batch_size),
                "rca": incident.rca_id,
                "at": at,
                "at_key": at.isoformat(),
                "now": timezone.now(),
                "confirm_by": confirm_by.isoformat(),
                "stage_dues": stage_dues,
                "no_running_clock": NO_RUNNING_CLOCK,
                **context_params(metadata),
            },
        )
        moved, email_ids = cursor.fetchone()
        send_after_commit(list(email_ids))
        if connection.in_atomic_block:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    return int(moved)


def incident_resolve_tickets(
    *, incident_id: int, batch_size: int | None = None, now: dt.datetime | None = None
) -> int:
    """Resolve every linked open ticket of a resolved incident, batch after batch, then record that the
    incident's tickets are all resolved. Returns how many this call moved."""
    moved = 0
    batch_size = _batch_size(batch_size)
    while True:
        count = incident_resolve_batch(incident_id=incident_id, batch_size=batch_size)
        moved += count
        if count < batch_size:
            break
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update().filter(pk=incident_id, resolved_at__isnull=False).first()
        )
        if incident is not None and incident.tickets_resolved_at is None:
            still_open = incident.tickets.filter(stage__in=OPEN_STAGES).exists()
            if not still_open:
                incident.tickets_resolved_at = now or timezone.now()
                incident.save(update_fields=["tickets_resolved_at"])
    log.info("incident_tickets_resolved", incident=incident_id, moved=moved)
    return moved


def incidents_unfinished() -> list[int]:
    """Resolved incidents whose linked tickets are not all resolved yet (a worker died, or the broker
    was away when the resolution was declared)."""
    return list(
        Incident.objects.filter(resolved_at__isnull=False, tickets_resolved_at__isnull=True)
        .order_by("resolved_at")
        .values_list("id", flat=True)[:50]
    )


def incident_link_tickets(
    *, incident: Incident, actor: User | None, numbers: Sequence[str], unlink: bool = False
) -> dict[str, str]:
    """Link each of these tickets to the incident (or take them out of it), each through `ticket_act`
    (the flow table's roles and stages, a history row each), as agents do with a queue selection. Returns
    {number: "" when done, else why not}; one refusal does not stop the others. At most 500 at once."""
    from tickets.services.actions import ticket_act

    if len(numbers) > 500:
        raise refuse("tickets", _("Link at most 500 tickets at once."))
    results: dict[str, str] = {}
    wanted = {ticket_numbers.normalise(number) or number: number for number in numbers}
    found = {ticket.number: ticket for ticket in Ticket.objects.filter(number__in=list(wanted))}
    for normalised, typed in wanted.items():
        ticket = found.get(normalised)
        if ticket is None:
            results[typed] = str(_("No ticket with this number."))
            continue
        try:
            if unlink:
                ticket_act(ticket=ticket, actor=actor, action="unlink_incident")
            else:
                ticket_act(ticket=ticket, actor=actor, action="link_incident", data={"incident": incident.pk})
        except DomainError as exc:
            results[typed] = exc.message
        else:
            results[typed] = ""
    return results
