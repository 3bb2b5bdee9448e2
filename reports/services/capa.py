"""Corrective and preventive action reports (SPEC §8): actions with an owner, a due date, a status
and a check that they worked; overdue actions are reminded."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.lib.cleaning import active_user, clean_choice, clean_date, clean_text, refuse
from helpdesk.lib.errors import InvalidInput, NotAllowedNow
from notifications import services as notifications
from reports import recap
from reports.models import (
    CAPA_PENDING_STATUSES,
    CapaAction,
    CapaKind,
    CapaReport,
    CapaReportStatus,
    CapaStatus,
    RootCauseAnalysis,
)
from reports.services.rca import rca_find
from tickets.services.actors import Via, recorded_as

log = structlog.get_logger(__name__)


CAPA_TEXT_MAX = 10_000


def _require_open(report: CapaReport, *, allow_closed: bool = False) -> None:
    """A closed or withdrawn report is settled: it is read, not changed (a done action of a closed report
    may still be verified: the check that it worked comes afterwards)."""
    if report.status == CapaReportStatus.OPEN or (allow_closed and report.status == CapaReportStatus.CLOSED):
        return
    raise NotAllowedNow(
        _("This CAPA report is %(status)s; it can no longer be changed.")
        % {"status": report.get_status_display().lower()},
        code="capa_report_settled",
    )


def _action_values(data: Mapping[str, Any], *, prefix: str, partial: bool) -> dict[str, Any]:
    """The checked fields of one CAPA action; field errors are named `<prefix>kind` etc."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = {
        "kind": lambda v: clean_choice(v, CapaKind, field="kind"),
        "description": lambda v: clean_text(v, field="description", max_length=CAPA_TEXT_MAX),
        "owner": lambda v: active_user(v, field="owner"),
        "due_date": lambda v: clean_date(v, field="due_date"),
        "status": lambda v: clean_choice(v, CapaStatus, field="status"),
    }
    for name, check in checks.items():
        key = name
        if name == "due_date" and "due_date" not in data:
            key = "due"  # the API's name for it
        if key not in data:
            if not partial and name != "status":
                errors[f"{prefix}{key}"] = [_("This field is required.")]
            continue
        try:
            values[name] = check(data[key])
        except InvalidInput as exc:
            errors[f"{prefix}{key}"] = [m for messages in exc.fields.values() for m in messages]
    if errors:
        raise InvalidInput(_("The CAPA action is not valid."), fields=errors)
    return values


def capa_create(
    *,
    author: AbstractBaseUser | None,
    title: str,
    summary: str = "",
    rca: RootCauseAnalysis | int | None = None,
    actions: Sequence[Mapping[str, Any]] = (),
    now: dt.datetime | None = None,
) -> CapaReport:
    """A CAPA report (SOP §7) with its corrective and preventive actions, each with an owner, a due date
    and a status (open unless given)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        title = clean_text(title, field="title", max_length=200)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        summary = clean_text(summary, field="summary", max_length=CAPA_TEXT_MAX, required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        rca_obj = rca_find(rca)
    except InvalidInput as exc:
        errors.update(exc.fields)
    checked: list[dict[str, Any]] = []
    for index, action in enumerate(actions):
        try:
            checked.append(_action_values(action, prefix=f"actions.{index}.", partial=False))
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The CAPA report is not valid; see the messages for each field."), fields=errors)
    with transaction.atomic(), recorded_as(author, Via.STAFF, action="capa_write"):
        written_by: Any = author if getattr(author, "pk", None) else None
        report = CapaReport.objects.create(title=title, summary=summary, rca=rca_obj, author=written_by)
        CapaAction.objects.bulk_create(
            CapaAction(
                report=report,
                completed_at=now if values.get("status") == CapaStatus.DONE else None,
                **values,
            )
            for values in checked
        )
    log.info("capa_created", capa=report.pk, actions=len(checked))
    return report


def capa_update(*, report: CapaReport, data: Mapping[str, Any]) -> CapaReport:
    """Change a CAPA report's title, summary or RCA (fields not given stay)."""
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    try:
        if "title" in data:
            report.title = clean_text(data["title"], field="title", max_length=200)
            changed.append("title")
        if "summary" in data:
            report.summary = clean_text(
                data["summary"], field="summary", max_length=CAPA_TEXT_MAX, required=False
            )
            changed.append("summary")
        if "rca" in data:
            report.rca = rca_find(data["rca"])
            changed.append("rca")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The CAPA report is not valid; see the messages for each field."), fields=errors)
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
    return report


def capa_revise(
    *,
    report: CapaReport,
    actor: AbstractBaseUser,
    data: Mapping[str, Any],
    actions: Sequence[Mapping[str, Any]] = (),
    now: dt.datetime | None = None,
) -> CapaReport:
    """Revise a CAPA report and its actions together, or not at all: the report's own fields
    (`capa_update`), then each entry of `actions` — without an `id` a new action, with one a change to
    that action of this report, and `verified: true` records the check that it worked (a recorded check
    is never withdrawn). Field errors are named `actions.<index>.<field>`."""
    now = now or timezone.now()
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action="capa_revise"):
        report = CapaReport.objects.select_for_update().get(pk=report.pk)
        # Verifying done actions is all a closed report still takes.
        only_checks = not data and all(
            set(entry) <= {"id", "verified", "verification_note"} for entry in actions
        )
        _require_open(report, allow_closed=only_checks)
        capa_update(report=report, data=data)
        existing = {action.pk: action for action in report.actions.all()}
        for index, entry in enumerate(actions):
            fields = {k: v for k, v in entry.items() if k not in ("id", "verified", "verification_note")}
            try:
                if "id" not in entry:
                    capa_action_add(report=report, data=fields, now=now)
                    continue
                action = existing.get(entry["id"])
                if action is None:
                    raise refuse("id", _("This report has no action %(id)s.") % {"id": entry["id"]})
                if fields:
                    action = capa_action_update(action=action, data=fields, now=now)
                if entry.get("verified") and not action.verified:
                    capa_action_verify(
                        action=action, actor=actor, note=entry.get("verification_note", ""), now=now
                    )
                elif entry.get("verified") is False and action.verified:
                    raise NotAllowedNow(
                        _("A recorded verification cannot be withdrawn."), code="capa_action_verified"
                    )
            except InvalidInput as exc:
                fields_named = {f"actions.{index}.{k}": v for k, v in exc.fields.items()}
                raise InvalidInput(exc.message, code=exc.code, fields=fields_named) from exc
    return report


def capa_action_add(
    *, report: CapaReport, data: Mapping[str, Any], now: dt.datetime | None = None
) -> CapaAction:
    """One more action on an existing CAPA report."""
    values = _action_values(data, prefix="", partial=False)
    done = values.get("status") == CapaStatus.DONE
    return CapaAction.objects.create(
        report=report, completed_at=(now or timezone.now()) if done else None, **values
    )


def capa_action_update(
    *,
    action: CapaAction,
    data: Mapping[str, Any],
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> CapaAction:
    """Change an action's kind, description, owner, due date or status. Moving to done records when;
    moving away from done forgets it. A verified action is settled: it cannot change any more, and
    neither can the actions of a closed or withdrawn report."""
    now = now or timezone.now()
    values = _action_values(data, prefix="", partial=True)
    with transaction.atomic(), _recorded(actor, action="capa_action_update"):
        locked = CapaAction.objects.select_for_update().select_related("report").get(pk=action.pk)
        _require_open(locked.report)
        if locked.verified and values:
            raise NotAllowedNow(
                _("This action has been verified as effective; it can no longer be changed."),
                code="capa_action_verified",
            )
        changed = list(values)
        new_status = values.get("status", locked.status)
        if new_status != locked.status:
            locked.completed_at = now if new_status == CapaStatus.DONE else None
            changed.append("completed_at")
        for name, value in values.items():
            setattr(locked, name, value)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


def capa_action_verify(
    *, action: CapaAction, actor: AbstractBaseUser, note: str, now: dt.datetime | None = None
) -> CapaAction:
    """Record the check that a done action worked (who, when, what was checked). Only a done action can
    be verified, and only once."""
    now = now or timezone.now()
    note = clean_text(note, field="verification_note", max_length=CAPA_TEXT_MAX)
    with transaction.atomic(), _recorded(actor, action="capa_action_verify"):
        locked = CapaAction.objects.select_for_update().select_related("report").get(pk=action.pk)
        _require_open(locked.report, allow_closed=True)
        if locked.status != CapaStatus.DONE:
            raise NotAllowedNow(
                _("Only a done action can be verified; this one is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="capa_action_not_done",
            )
        if locked.verified:
            raise NotAllowedNow(_("This action has already been verified."), code="capa_action_verified")
        locked.verified = True
        locked.verified_by = actor  # type: ignore[assignment]
        locked.verified_at = now
        locked.verification_note = note
        locked.save(
            update_fields=["verified", "verified_by", "verified_at", "verification_note", "updated_at"]
        )
    return locked


CAPA_REMINDER_BATCH = 500


def capa_remind_overdue(*, now: dt.datetime, batch_size: int = CAPA_REMINDER_BATCH) -> int:
    """Remind the owner of every overdue action (open or in progress, due date before today in Jakarta)
    by email and inbox, at most once per action per day: the action is claimed for the day by moving
    `last_reminded_on` under a row lock (skipping rows another sweep holds), and the notification's dedupe
    key carries the date as well. Returns how many actions were reminded."""
    today = now.astimezone(recap.REPORT_TIME_ZONE).date()
    reminded = 0
    while True:
        with transaction.atomic():
            due = list(
                CapaAction.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("owner", "report")
                .filter(status__in=CAPA_PENDING_STATUSES, due_date__lt=today, owner__is_active=True)
                .exclude(last_reminded_on__gte=today)
                .order_by("id")[:batch_size]
            )
            if not due:
                return reminded
            CapaAction.objects.filter(pk__in=[action.pk for action in due]).update(last_reminded_on=today)
            for action in due:
                notifications.notify_staff(
                    users=[action.owner],
                    template="capa_action_overdue",
                    ticket=None,
                    context={
                        "capa_id": action.report_id,
                        "capa_title": action.report.title,
                        "action_id": action.pk,
                        "kind": action.kind,
                        "description": action.description[:500],
                        "due_date": action.due_date.isoformat(),
                        "days_overdue": (today - action.due_date).days,
                    },
                    dedupe_key=f"capa:{action.pk}:overdue:{today.isoformat()}",
                )
            reminded += len(due)
        if len(due) < batch_size:
            return reminded


def _recorded(actor: AbstractBaseUser | None, *, action: str) -> Any:
    """The history context of a change made by `actor`, or none when the caller declared one already."""
    return recorded_as(actor, Via.STAFF, action=action) if actor is not None else contextlib.nullcontext()


def _settle(
    *, report: CapaReport, actor: AbstractBaseUser, reason: str, status: CapaReportStatus, now: dt.datetime
) -> CapaReport:
    reason = clean_text(reason, field="reason", max_length=CAPA_TEXT_MAX)
    with transaction.atomic(), recorded_as(actor, Via.STAFF, action=f"capa_{status.value}"):
        locked = CapaReport.objects.select_for_update().get(pk=report.pk)
        _require_open(locked)
        pending = locked.actions.filter(status__in=CAPA_PENDING_STATUSES)
        if status == CapaReportStatus.CLOSED and pending.exists():
            raise NotAllowedNow(
                _("Finish or cancel every open action before closing the report."),
                code="capa_actions_pending",
            )
        if status == CapaReportStatus.WITHDRAWN:
            # What is withdrawn is no longer owed: its pending actions are cancelled (and stop reminding).
            for pending_action in pending.select_for_update():
                pending_action.status = CapaStatus.CANCELLED
                pending_action.save(update_fields=["status", "updated_at"])
        locked.status = status
        locked.closed_at = now
        locked.closed_by = actor  # type: ignore[assignment]
        locked.close_reason = reason
        locked.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"])
    log.info("capa_settled", capa=locked.pk, status=status.value)
    return locked


def capa_close(
    *, report: CapaReport, actor: AbstractBaseUser, reason: str, now: dt.datetime | None = None
) -> CapaReport:
    """Close a CAPA report whose actions are all done or cancelled, saying why (what was achieved).
    Reports are never deleted (SOP §8 keeps every record): they are closed or withdrawn."""
    return _settle(
        report=report, actor=actor, reason=reason, status=CapaReportStatus.CLOSED, now=now or timezone.now()
    )


def capa_withdraw(
    *, report: CapaReport, actor: AbstractBaseUser, reason: str, now: dt.datetime | None = None
) -> CapaReport:
    """Withdraw a CAPA report (written by mistake, superseded by another), saying why; its pending
    actions are cancelled. The report and its history stay."""
    return _settle(
        report=report,
        actor=actor,
        reason=reason,
        status=CapaReportStatus.WITHDRAWN,
        now=now or timezone.now(),
    )
