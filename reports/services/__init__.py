"""Writes of the reports module, by subject: root cause analyses, CAPA reports, what customers say
(ratings and CSI surveys), the monthly recap. Everything is re-exported here, so callers keep writing
`from reports import services` and `services.capa_create(...)`."""

from reports.services.capa import (
    CAPA_REMINDER_BATCH,
    CAPA_TEXT_MAX,
    capa_action_add,
    capa_action_update,
    capa_action_verify,
    capa_close,
    capa_create,
    capa_remind_overdue,
    capa_revise,
    capa_update,
    capa_withdraw,
)
from reports.services.dashboard import dashboard_figures_refresh
from reports.services.monthly import (
    RECAP_ROLES,
    monthly_report_build,
    monthly_report_recipients,
    monthly_report_send,
)
from reports.services.rca import (
    RCA_TEXT_FIELDS,
    RCA_TEXT_MAX,
    rca_category,
    rca_create,
    rca_find,
    rca_for_resolution,
    rca_update,
)
from reports.services.surveys import (
    CSI_CLOSE_REASONS,
    CSI_DEFAULT_OPEN_DAYS,
    csi_answer,
    csi_campaign_create,
    csi_survey_link,
    rating_record,
)

__all__ = [
    "CAPA_REMINDER_BATCH",
    "CAPA_TEXT_MAX",
    "CSI_CLOSE_REASONS",
    "CSI_DEFAULT_OPEN_DAYS",
    "RCA_TEXT_FIELDS",
    "RCA_TEXT_MAX",
    "RECAP_ROLES",
    "capa_action_add",
    "capa_action_update",
    "capa_action_verify",
    "capa_close",
    "capa_create",
    "capa_remind_overdue",
    "capa_revise",
    "capa_update",
    "capa_withdraw",
    "csi_answer",
    "csi_campaign_create",
    "csi_survey_link",
    "dashboard_figures_refresh",
    "monthly_report_build",
    "monthly_report_recipients",
    "monthly_report_send",
    "rating_record",
    "rca_category",
    "rca_create",
    "rca_find",
    "rca_for_resolution",
    "rca_update",
]
