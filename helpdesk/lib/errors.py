"""Domain errors: what a service raises when it refuses something. The API's one exception handler
(helpdesk.lib.api) turns them into `{code, message, fields}` with the status they carry; views show
the message. Messages are user-facing, so they are translatable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal the user should understand: what was refused and why."""

    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}


class InvalidInput(DomainError):
    """The request's data is wrong (field-level messages in `fields`)."""

    status_code = 400
    default_code = "invalid"


class NotAllowedNow(DomainError):
    """The action exists and the user may take it, but not in the ticket's current state."""

    status_code = 409
    default_code = "not_allowed_in_state"


class Forbidden(DomainError):
    """The user's roles do not allow this action on this object."""

    status_code = 403
    default_code = "forbidden"


class NotFound(DomainError):
    """Nothing to show: also used where telling "exists" from "not yours" would leak data."""

    status_code = 404
    default_code = "not_found"
