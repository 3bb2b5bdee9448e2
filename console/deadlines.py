"""How a ticket's deadline was reached, in words a supervisor reads (the ticket page's "How was this
deadline reached?"). `present` turns the SLA module's explanation (sla.selectors.deadline_explanation,
itself sla.clock.explain_deadline) into the rows the template prints: translated, with every time on the
wall clock of the ticket's zone followed by its label (WIB, WITA, WIT). Pure: no queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from helpdesk.lib.durations import duration_label
from helpdesk.lib.vocabulary import SlaState, Stage
from helpdesk.lib.zones import zone_label
from sla import clock
from sla.selectors import ClockExplanation

CLOCK_TITLES = {
    "response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
    "stage": gettext_lazy("This stage"),
}

DAY_STATUS_LABELS = {
    clock.DayStatus.COUNTED: gettext_lazy("working hours counted"),
    clock.DayStatus.PAUSED: gettext_lazy("paused (waiting for the customer): nothing counted"),
    clock.DayStatus.OUTSIDE_HOURS: gettext_lazy("outside the counted working hours: nothing counted"),
    clock.DayStatus.WEEKEND: gettext_lazy("weekend: skipped"),
    clock.DayStatus.NOT_WORKING_DAY: gettext_lazy("not a working day in this calendar: skipped"),
    clock.DayStatus.PUBLIC_HOLIDAY: gettext_lazy("public holiday: skipped"),
    clock.DayStatus.CUTI_BERSAMA: gettext_lazy("cuti bersama: skipped"),
    clock.DayStatus.CLOSED: gettext_lazy("closed day: skipped"),
    clock.DayStatus.SUMMARY: gettext_lazy("the days in between, summed up"),
}

NOTE_LABELS = {
    clock.DateNoteKind.PUBLIC_HOLIDAY: gettext_lazy("public holiday"),
    clock.DateNoteKind.CUTI_BERSAMA: gettext_lazy("cuti bersama"),
    clock.DateNoteKind.CLOSURE: gettext_lazy("closed by the operator"),
    clock.DateNoteKind.OPENING: gettext_lazy("opened by the operator"),
}

WEEKDAY_LABELS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


@dataclass(frozen=True)
class Moment:
    """An instant as the panel prints it: in the ticket's zone with its label, and as ISO 8601."""

    text: str
    iso: str


@dataclass(frozen=True)
class DayRow:
    date: str
    status: str
    kind: str
    notes: list[str]
    spans: list[dict[str, Any]]
    counted: str
    held: str
    total: str


@dataclass(frozen=True)
class PauseRow:
    started: Moment
    ended: Moment | None
    effect: str
    held: str
    left: str
    due_before: Moment
    due_after: Moment


def _moment(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> Moment:
    local = moment.astimezone(tz)
    pattern = "%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M"
    return Moment(f"{local.strftime(pattern)} {zone_label(moment, tz)}", moment.isoformat())


def _clock_time(moment: dt.datetime, tz: zoneinfo.ZoneInfo, *, is_end: bool = False) -> str:
    local = moment.astimezone(tz)
    if is_end and local.time() == dt.time(0):
        return "24:00"
    return local.strftime("%H:%M:%S" if local.second else "%H:%M")


def _duration(length: dt.timedelta) -> str:
    seconds = int(length.total_seconds())
    text = duration_label(seconds // 60)
    if seconds % 60:
        text += " " + _("%(seconds)s s") % {"seconds": seconds % 60}
    return text


def _day_label(entry: clock.DayExplanation) -> str:
    first = date_format(entry.first_day, "D j M Y")
    if not entry.is_run:
        return first
    return ngettext(
        "%(first)s – %(last)s (%(days)s day)", "%(first)s – %(last)s (%(days)s days)", entry.days
    ) % {"first": first, "last": date_format(entry.last_day, "D j M Y"), "days": entry.days}


# A skipped day whose notes already say why (the holiday's name with its kind) is only "skipped".
_NAMED_SKIPS = {clock.DayStatus.PUBLIC_HOLIDAY, clock.DayStatus.CUTI_BERSAMA, clock.DayStatus.CLOSED}


def _status(entry: clock.DayExplanation) -> str:
    if entry.status in _NAMED_SKIPS and any(note.name for note in entry.notes):
        return _("skipped")
    return str(DAY_STATUS_LABELS[entry.status])


def _note(note: clock.DateNote) -> str:
    label = str(NOTE_LABELS[note.kind])
    return f"{label}: {note.name}" if note.name else label


def _weekly_hours(hours: tuple[clock.DayHours, ...]) -> str:
    """ "Mon–Fri 08:00–17:00" style: consecutive weekdays with the same hours together."""
    groups: list[tuple[int, int, clock.DayHours]] = []
    for index, day in enumerate(hours):
        if day and groups and groups[-1][2] == day and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, day)
        elif day:
            groups.append((index, index, day))

    def spans(day: clock.DayHours) -> str:
        return ", ".join(
            f"{start:%H:%M}–{'24:00' if end == dt.time.max else f'{end:%H:%M}'}" for start, end in day
        )

    parts = [
        f"{WEEKDAY_LABELS[first]}{'–' + str(WEEKDAY_LABELS[last]) if last != first else ''} {spans(day)}"
        for first, last, day in groups
    ]
    return "; ".join(parts) or _("no working hours")


def _target(explanation: clock.DeadlineExplanation) -> str:
    target = explanation.target
    amount = target.amount
    if target.unit is clock.TargetUnit.BUSINESS_DAYS:
        text = ngettext("%(count)s business day", "%(count)s business days", amount) % {"count": amount}
        if explanation.is_business_time:
            text += " " + _("(a business day is %(length)s of working time: %(total)s in all)") % {
                "length": _duration(explanation.business_day_length or dt.timedelta(0)),
                "total": _duration(explanation.duration),
            }
        else:
            text += " " + _("(%(total)s around the clock)") % {"total": _duration(explanation.duration)}
        return text
    if target.unit is clock.TargetUnit.HOURS:
        text = ngettext("%(count)s hour", "%(count)s hours", amount) % {"count": amount}
    else:
        text = ngettext("%(count)s minute", "%(count)s minutes", amount) % {"count": amount}
    if explanation.is_business_time:
        return _("%(target)s of working time") % {"target": text}
    return _("%(target)s, around the clock") % {"target": text}


def present(explained: ClockExplanation) -> dict[str, Any]:
    """What the template prints for one clock."""
    title = str(CLOCK_TITLES[explained.which])
    if explained.awaited_stage:
        title = _("This stage (until %(stage)s)") % {"stage": Stage(explained.awaited_stage).label}
    zone = zoneinfo.ZoneInfo(explained.time_zone)
    result: dict[str, Any] = {"which": explained.which, "title": title, "explanation": None}
    if explained.stored_due is not None:
        result["stored_due"] = _moment(explained.stored_due, zone)
    if explained.stopped_at is not None:
        result["stopped_at"] = _moment(explained.stopped_at, zone)
        result["outcome"] = dict(SlaState.choices).get(explained.outcome, "")
    explanation = explained.explanation
    if explanation is None:
        return result
    tz = explanation.zone
    if explanation.is_business_time:
        calendar = _("%(name)s calendar") % {"name": explanation.calendar_name or _("default")}
        clock_text = f"{calendar} · {tz.key} ({zone_label(explanation.deadline, tz)})"
        hours = _weekly_hours(explanation.weekly_hours)
    else:
        clock_text = _("24×7: every hour counts, nights, weekends and holidays included")
        hours = ""
    days = [
        DayRow(
            date=_day_label(entry),
            status=_status(entry),
            kind=entry.status.value,
            notes=[_note(note) for note in entry.notes],
            spans=[
                {
                    "text": f"{_clock_time(piece.start, tz)}–{_clock_time(piece.end, tz, is_end=True)}",
                    "is_paused": piece.is_paused,
                }
                for piece in entry.pieces
            ],
            counted=_duration(entry.counted) if entry.counted else "",
            held=_duration(entry.held) if entry.held else "",
            total=_duration(entry.total),
        )
        for entry in explanation.days
    ]
    pauses = [
        PauseRow(
            started=_moment(pause.started_at, tz),
            ended=_moment(pause.ended_at, tz) if pause.ended_at is not None else None,
            effect=pause.effect.value,
            held=_duration(pause.held),
            left=_duration(pause.left_at_pause),
            due_before=_moment(pause.due_before, tz),
            due_after=_moment(pause.due_after, tz),
        )
        for pause in explanation.pauses
    ]
    result.update(
        explanation=explanation,
        target=_target(explanation),
        clock=clock_text,
        hours=hours,
        zone_label=zone_label(explanation.deadline, tz),
        start=_moment(explanation.start, tz),
        counting_from=_moment(explanation.counting_from, tz)
        if explanation.counting_from != explanation.start
        else None,
        days=days,
        pauses=pauses,
        counted=_duration(explanation.counted),
        held=_duration(explanation.held) if explanation.held else "",
        deadline=_moment(explanation.deadline, tz),
        matches_stored=explained.matches_stored,
        is_capped=explained.is_capped,
    )
    return result
