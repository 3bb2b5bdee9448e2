"""The words several apps share (SPEC §4–7): a ticket's classification, the customer's tier, the six
stages, the states of an SLA clock and the reasons for an escalation. They are defined here, below every
app, so that the SLA, escalation and notification modules can use them without importing the tickets
app that sits above them; `tickets.models` re-exports them, so callers keep writing
`from tickets.models import Stage`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


# A ticket is unclassified until support verifies it (SPEC §5 stage 2); until then its clocks and
# escalation rules are those of a Minor complaint. The SLA policies (Python) and the escalation rules
# (the sweep's SQL) both read this one constant.
UNCLASSIFIED_AS = Classification.MINOR


class CustomerTier(models.TextChoices):
    REGULAR = "regular", _("Regular")
    HIGH_VALUE = "high_value", _("High value")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Verified")
    DISPATCHED = "dispatched", _("Dispatched")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", _("Closed")


OPEN_STAGES = frozenset({Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED})


class SlaState(models.TextChoices):
    OK = "ok", _("On time")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


# A clock still counting (the two others have stopped: met or missed).
RUNNING_SLA_STATES = (SlaState.OK, SlaState.AT_RISK, SlaState.BREACHED)

# The `next_due` of a ticket none of whose clocks runs (stopped, or waiting for the customer): later than
# any deadline, so "most urgent first" puts it last, and never NULL, so a page of the queue can start
# after any ticket (keyset pagination compares (next_due, id) pairs). Never shown.
NO_RUNNING_CLOCK = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class EscalationReason(models.TextChoices):
    """Why a ticket was escalated (SPEC §7); the escalation records and the messages about them say it."""

    RESPONSE_BREACH = "response_breach", _("First response target breached")
    RESOLUTION_BREACH = "resolution_breach", _("Resolution target breached")
    DISSATISFACTION = "dissatisfaction", _("Customer rejected the fix")
    MANUAL = "manual", _("Requested by staff")
    PUBLIC_EXPOSURE = "public_exposure", _("Complaint made in public")
