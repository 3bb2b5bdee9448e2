"""Writes of the reports module: root cause analyses and CAPA reports (SPEC §8), satisfaction ratings
and CSI survey campaigns, and the monthly recap snapshots (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, cast

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from helpdesk.lib.errors import InvalidInput, NotAllowedNow, NotFound
from helpdesk.lib.roles import Role
from reports import recap
from reports.models import (
    CAPA_PENDING_STATUSES,
    CSI_QUESTIONS,
    CapaAction,
    CapaKind,
    CapaReport,
    CapaStatus,
    MonthlyReport,
    RootCauseAnalysis,
    RootCauseCategory,
    SatisfactionRating,
    SurveyCampaign,
    SurveyInvitation,
)
from tickets.models import CloseReason, Ticket

log = structlog.get_logger(__name__)

RCA_TEXT_FIELDS = ("problem_statement", "analysis", "temporary_fix", "permanent_fix")
RCA_TEXT_MAX = 10_000


def rca_create(*, author: AbstractBaseUser | None, data: dict[str, Any]) -> RootCauseAnalysis:
    """A new RCA from `problem_statement`, `category` (code or id), `analysis`, `temporary_fix`,
    `permanent_fix` — every one required (SOP §7)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in RCA_TEXT_FIELDS:
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > RCA_TEXT_MAX:
            errors[name] = [_("At most %(max)s characters.") % {"max": RCA_TEXT_MAX}]
        values[name] = text
    category = rca_category(data.get("category"))
    if category is None:
        errors["category"] = [_("Choose a known root-cause category.")]
    if errors:
        raise InvalidInput(
            _("The root cause analysis is incomplete."), fields={f"rca.{k}": v for k, v in errors.items()}
        )
    return RootCauseAnalysis.objects.create(author=cast(Any, author), category=cast(Any, category), **values)


def rca_update(*, rca: RootCauseAnalysis, data: Mapping[str, Any]) -> RootCauseAnalysis:
    """Change the given fields of an RCA (the same rules as `rca_create`; fields not given stay)."""
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for name in RCA_TEXT_FIELDS:
        if name not in data:
            continue
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > RCA_TEXT_MAX:
            errors[name] = [_("At most %(max)s characters.") % {"max": RCA_TEXT_MAX}]
        else:
            setattr(rca, name, text)
            changed.append(name)
    if "category" in data:
        category = rca_category(data.get("category"))
        if category is None:
            errors["category"] = [_("Choose a known root-cause category.")]
        else:
            rca.category = category
            changed.append("category")
    if errors:
        raise InvalidInput(_("The root cause analysis is not valid."), fields=errors)
    if changed:
        rca.save(update_fields=[*changed, "updated_at"])
    return rca


def rca_category(value: object) -> RootCauseCategory | None:
    if value in (None, ""):
        return None
    text = str(value)
    query = RootCauseCategory.objects.filter(is_active=True)
    if text.isdigit():
        return query.filter(pk=int(text)).first()
    return query.filter(code=text).first()


def rating_record(
    *, ticket: Ticket, csat: int, nps: int | None, comment: str, via: str
) -> SatisfactionRating:
    """The customer's CSAT (1–5) and NPS (0–10) for a fixed ticket; once per ticket."""
    errors: dict[str, list[str]] = {}
    if not isinstance(csat, int) or not 1 <= csat <= 5:
        errors["csat"] = [_("Give a whole number from 1 to 5.")]
    if nps is not None and (not isinstance(nps, int) or not 0 <= nps <= 10):
        errors["nps"] = [_("Give a whole number from 0 to 10.")]
    if len(comment) > 2000:
        errors["comment"] = [_("At most %(max)s characters.") % {"max": 2000}]
    if errors:
        raise InvalidInput(_("The rating is not valid."), fields=errors)
    if ticket.stage not in ("confirmed", "closed") or (
        ticket.stage == "closed" and ticket.close_reason != "confirmed"
    ):
        raise NotAllowedNow(
            _("A ticket can be rated once the customer has confirmed the fix."), code="not_confirmed"
        )
    try:
        with transaction.atomic():
            return SatisfactionRating.objects.create(
                ticket=ticket, csat=csat, nps=nps, comment=comment, via=via
            )
    except IntegrityError as exc:
        raise NotAllowedNow(_("This ticket has already been rated."), code="already_rated") from exc


# --- CAPA (SPEC §8) ----------------------------------------------------------------------------------------

CAPA_TEXT_MAX = 10_000


def _text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidInput(_("This field is required."), fields={field: [_("This field is required.")]})
    if len(text) > max_length:
        message = _("At most %(max)s characters.") % {"max": max_length}
        raise InvalidInput(message, fields={field: [message]})
    if "\x00" in text:
        message = _("The text contains a character that is not allowed (NUL).")
        raise InvalidInput(message, fields={field: [message]})
    return text


def _staff_user(value: object, *, field: str) -> Any:
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        try:
            user = User.objects.get(pk=int(str(value)))
        except (ValueError, User.DoesNotExist) as exc:
            raise InvalidInput(_("Unknown user."), fields={field: [_("Unknown user.")]}) from exc
    if not user.is_active:
        raise InvalidInput(_("This user is not active."), fields={field: [_("This user is not active.")]})
    return user


def _date(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value or "")) if value not in (None, "") else None
    if parsed is None:
        message = _("Give a date as YYYY-MM-DD.")
        raise InvalidInput(message, fields={field: [message]})
    return parsed


def _choice_of(value: object, choices: Any, *, field: str) -> str:
    text = "" if value is None else str(value)
    if text not in choices.values:
        message = _("“%(value)s” is not one of: %(allowed)s.") % {
            "value": text[:40],
            "allowed": ", ".join(choices.values),
        }
        raise InvalidInput(message, fields={field: [message]})
    return text


def _rca_ref(value: object) -> RootCauseAnalysis | None:
    if value in (None, ""):
        return None
    if isinstance(value, RootCauseAnalysis):
        return value
    try:
        return RootCauseAnalysis.objects.get(pk=int(str(value)))
    except (ValueError, RootCauseAnalysis.DoesNotExist) as exc:
        raise InvalidInput(
            _("Unknown root cause analysis."), fields={"rca": [_("Unknown root cause analysis.")]}
        ) from exc


def _action_values(data: Mapping[str, Any], *, prefix: str, partial: bool) -> dict[str, Any]:
    """The checked fields of one CAPA action; field errors are named `<prefix>kind` etc."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = {
        "kind": lambda v: _choice_of(v, CapaKind, field="kind"),
        "description": lambda v: _text(v, field="description", max_length=CAPA_TEXT_MAX),
        "owner": lambda v: _staff_user(v, field="owner"),
        "due_date": lambda v: _date(v, field="due_date"),
        "status": lambda v: _choice_of(v, CapaStatus, field="status"),
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
        title = _text(title, field="title", max_length=200)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        summary = _text(summary, field="summary", max_length=CAPA_TEXT_MAX, required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        rca_obj = _rca_ref(rca)
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
    with transaction.atomic():
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
            report.title = _text(data["title"], field="title", max_length=200)
            changed.append("title")
        if "summary" in data:
            report.summary = _text(data["summary"], field="summary", max_length=CAPA_TEXT_MAX, required=False)
            changed.append("summary")
        if "rca" in data:
            report.rca = _rca_ref(data["rca"])
            changed.append("rca")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The CAPA report is not valid; see the messages for each field."), fields=errors)
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
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
    *, action: CapaAction, data: Mapping[str, Any], now: dt.datetime | None = None
) -> CapaAction:
    """Change an action's kind, description, owner, due date or status. Moving to done records when;
    moving away from done forgets it. A verified action is settled: it cannot change any more."""
    now = now or timezone.now()
    values = _action_values(data, prefix="", partial=True)
    with transaction.atomic():
        locked = CapaAction.objects.select_for_update().get(pk=action.pk)
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
    note = _text(note, field="verification_note", max_length=CAPA_TEXT_MAX)
    with transaction.atomic():
        locked = CapaAction.objects.select_for_update().get(pk=action.pk)
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
                escalation_services.notify_staff(
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


# --- CSI survey campaigns (SPEC §9) -------------------------------------------------------------------------

CSI_DEFAULT_OPEN_DAYS = 30
# Complaints that were actually handled; duplicates and invalid complaints get no survey.
CSI_CLOSE_REASONS = (CloseReason.CONFIRMED, CloseReason.NO_RESPONSE)


def csi_survey_link(token: str) -> str:
    base = str(settings.HELPDESK.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return f"{base}/api/portal/surveys/{token}/"


def csi_campaign_create(
    *,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    closes_at: dt.datetime | None = None,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> SurveyCampaign:
    """Start a Customer Satisfaction Index survey (SPEC §9, at least twice a year): every customer with a
    ticket closed in the period (Jakarta dates, both inclusive; confirmed or closed for no response) and an
    email to reach is invited once, with a secret link, and emailed after commit (the outbox)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        name = _text(name, field="name", max_length=200)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    closes_at = closes_at or now + dt.timedelta(days=CSI_DEFAULT_OPEN_DAYS)
    if closes_at <= now:
        errors["closes_at"] = [_("The survey must close in the future.")]
    if errors:
        raise InvalidInput(_("The survey cannot be started; see the messages for each field."), fields=errors)
    tz = recap.REPORT_TIME_ZONE
    start = dt.datetime.combine(period_start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    try:
        with transaction.atomic():
            campaign = SurveyCampaign.objects.create(
                name=name,
                period_start=period_start,
                period_end=period_end,
                closes_at=closes_at,
                sent_at=now,
                created_by=cast(Any, actor if getattr(actor, "pk", None) else None),
            )
            # One ticket per customer (their last closed in the period, DISTINCT ON) carries the address.
            latest = list(
                Ticket.objects.filter(
                    closed_at__gte=start, closed_at__lt=end, close_reason__in=CSI_CLOSE_REASONS
                )
                .select_related("customer")
                .order_by("customer_id", "-closed_at", "-id")
                .distinct("customer_id")
            )
            reachable = [t for t in latest if t.contact_email or t.customer.email]
            invitations = SurveyInvitation.objects.bulk_create(
                SurveyInvitation(
                    campaign=campaign,
                    customer_id=ticket.customer_id,
                    email=ticket.contact_email or ticket.customer.email,
                    token=secrets.token_urlsafe(32),
                    sent_at=now,
                )
                for ticket in reachable
            )
            for ticket, invitation in zip(reachable, invitations, strict=True):
                escalation_services.notify_customer(
                    ticket=ticket,
                    template="csi_invitation",
                    context={
                        "campaign": name,
                        "link": csi_survey_link(invitation.token),
                        "closes_at": closes_at.isoformat(),
                    },
                    dedupe_key=f"csi:{invitation.pk}",
                )
    except IntegrityError as exc:
        raise NotAllowedNow(
            _("A survey for this period already exists."), code="survey_period_taken"
        ) from exc
    log.info("csi_campaign_created", campaign=campaign.pk, invited=len(reachable))
    return campaign


def csi_answer(
    *, token: str, scores: Mapping[str, Any], comment: str = "", now: dt.datetime | None = None
) -> SurveyInvitation:
    """A customer's answer to the CSI survey, through the secret link: every question scored 1–5 and an
    optional comment, recorded once, while the campaign is open."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for question in CSI_QUESTIONS:
        raw = scores.get(question)
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
            errors[question] = [_("Give a whole number from 1 to 5.")]
            continue
        score = int(str(raw).strip())
        if not 1 <= score <= 5:
            errors[question] = [_("Give a whole number from 1 to 5.")]
        values[f"score_{question}"] = score
    try:
        comment = _text(comment, field="comment", max_length=2000, required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("The answer is not complete."), fields=errors)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(token=str(token)[:64])
            .first()
        )
        if invitation is None:
            raise NotFound(_("This survey link is not valid."), code="survey_not_found")
        if invitation.answered_at is not None:
            raise NotAllowedNow(
                _("This survey has already been answered. Thank you!"), code="already_answered"
            )
        if now > invitation.campaign.closes_at:
            raise NotAllowedNow(_("This survey is closed."), code="survey_closed")
        for field, score in values.items():
            setattr(invitation, field, score)
        invitation.comment = comment
        invitation.answered_at = now
        invitation.save(update_fields=[*values, "comment", "answered_at"])
    return invitation


# --- The monthly recap (SPEC §9) ----------------------------------------------------------------------------

RECAP_ROLES = (Role.MANAGER, Role.DIRECTOR, Role.ANALYST)


def monthly_report_build(
    *,
    month: dt.date,
    rebuild: bool = False,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> tuple[MonthlyReport, bool]:
    """The month's snapshot: built once after the month has ended (Jakarta time) and never changed
    again, unless `rebuild` is asked for explicitly. Returns the snapshot and whether this call built it.

    The figures are read in one REPEATABLE READ transaction when this is the outermost transaction, so
    every figure sees the same data even while tickets keep changing; two builders of the same month are
    serialised by an advisory lock."""
    now = now or timezone.now()
    month = month.replace(day=1)
    end = recap.month_bounds(month)[1]
    if end > now:
        message = _("%(month)s has not ended yet; a monthly report is built after the month ends.") % {
            "month": recap.month_key(month)
        }
        raise InvalidInput(message, code="month_not_over", fields={"month": [message]})
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"monthly_report:{month}"])
        existing = MonthlyReport.objects.select_for_update().filter(month=month).first()
        if existing is not None and not rebuild:
            return existing, False
        data = recap.recap_figures(month, as_of=now)
        built_by: Any = actor if getattr(actor, "pk", None) else None
        if existing is None:
            report = MonthlyReport.objects.create(month=month, built_at=now, built_by=built_by, data=data)
        else:
            existing.data = data
            existing.built_at = now
            existing.built_by = built_by
            existing.save(update_fields=["data", "built_at", "built_by"])
            report = existing
    log.info("monthly_report_built", month=recap.month_key(month), rebuild=rebuild)
    return report, True


def monthly_report_recipients() -> list[Any]:
    """Management: every active manager, director and analyst with an email address."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in RECAP_ROLES])
        .exclude(email="")
        .order_by("id")
        .distinct()
    )


def monthly_report_send(*, report_id: int, now: dt.datetime | None = None) -> int:
    """Mail the snapshot's PDF to management, once: `emailed_at` is set and committed under a row lock
    before the mail leaves (after commit), so a retried or repeated task sends nothing more. Returns
    the number of recipients mailed by this call (0 if it had been sent already)."""
    from reports import exports

    now = now or timezone.now()
    recipients = [user.email for user in monthly_report_recipients()]
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        if report.emailed_at is not None or not recipients:
            return 0
        report.emailed_at = now
        report.save(update_fields=["emailed_at"])
        key = recap.month_key(report.month)
        pdf = exports.monthly_pdf_cached(report)  # the managers' downloads in this language reuse it
        subject = _("Monthly complaint report %(month)s") % {"month": key}
        body = _(
            "The monthly complaint recap for %(month)s is attached (PDF). "
            "The same figures can be downloaded as XLSX or CSV from the reports page."
        ) % {"month": key}

        def send() -> None:
            message = EmailMessage(subject=subject, body=body, to=recipients)
            message.attach(f"monthly-report-{key}.pdf", pdf, "application/pdf")
            message.send(fail_silently=False)

        transaction.on_commit(send)
    log.info("monthly_report_sent", month=key, recipients=len(recipients))
    return len(recipients)


def capa_delete(*, report: CapaReport) -> None:
    """Delete a CAPA report written by mistake. A report with a verified action is a record of work
    done and checked: it stays (cancel actions instead)."""
    with transaction.atomic():
        locked = CapaReport.objects.select_for_update().get(pk=report.pk)
        if locked.actions.filter(verified=True).exists():
            raise NotAllowedNow(
                _("This CAPA report has verified actions and is kept; cancel its open actions instead."),
                code="capa_has_verified_actions",
            )
        locked.delete()
