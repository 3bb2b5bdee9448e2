"""The monthly recap (SPEC §9): built once after each month as an unchanging snapshot, sent to
management."""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.lib.errors import InvalidInput
from helpdesk.lib.roles import Role
from reports import recap
from reports.models import (
    MonthlyReport,
)

log = structlog.get_logger(__name__)


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
