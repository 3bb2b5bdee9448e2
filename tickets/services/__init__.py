"""Writes of the tickets module, by subject: customers and their services, intake (new complaints and the
customer writing again), the transition function with its handlers, attachments. Everything is
re-exported here, so callers write `from tickets import services` and `services.ticket_act(...)`."""

from tickets.services.actions import (
    ACTION_NAMES,
    STAGE_NAMES,
    ActionResult,
    action_permitted,
    allowed_actions,
    confirm_and_close_refusal,
    stage_refusal,
    ticket_act,
    ticket_confirm_and_close,
)
from tickets.services.actors import Via, history_context
from tickets.services.attachments import attachment_add
from tickets.services.customers import customer_create, customer_find_or_create, service_create
from tickets.services.intake import (
    FIRST_LINE_TEAM,
    ticket_create,
    ticket_customer_message,
    ticket_file_from_portal,
    ticket_log,
)
from tickets.services.macros import macro_save, macro_set_active
from tickets.services.queue import (
    BULK_ACTIONS,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    tickets_bulk_act,
)

__all__ = [
    "ACTION_NAMES",
    "BULK_ACTIONS",
    "FIRST_LINE_TEAM",
    "STAGE_NAMES",
    "ActionResult",
    "Via",
    "action_permitted",
    "allowed_actions",
    "attachment_add",
    "confirm_and_close_refusal",
    "customer_create",
    "customer_find_or_create",
    "history_context",
    "macro_save",
    "macro_set_active",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_rename",
    "service_create",
    "stage_refusal",
    "ticket_act",
    "ticket_confirm_and_close",
    "ticket_create",
    "ticket_customer_message",
    "ticket_file_from_portal",
    "ticket_log",
    "tickets_bulk_act",
]
