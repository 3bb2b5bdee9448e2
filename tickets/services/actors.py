"""Who is acting on a ticket, as the history records it.

The history rows are written by database triggers (django-pghistory), which attach the "context" the
transaction declared: who acted, how (console or API, portal, email, the system) and with which action.
`recorded_as` declares it once per transaction — one `set_config`, which lasts until the transaction
ends — where pghistory's own context manager would send it again before every statement."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


class Via:
    """Who is acting: staff in the console or API, or the customer through the public portal."""

    STAFF = "staff"
    PORTAL = "portal"
    EMAIL = "email"
    MESSAGING = "messaging"  # WhatsApp, social media and the other channels of messaging/
    SYSTEM = "system"


def history_context(actor: AbstractBaseUser | None, via: str) -> dict[str, Any]:
    """What pghistory records with each change: who (a person, the customer or the system) and how."""
    return {
        "user": getattr(actor, "pk", None),
        "username": getattr(actor, "username", None)
        or ("customer" if via in (Via.PORTAL, Via.EMAIL, Via.MESSAGING) else "system"),
        "via": via,
    }


# The statement that declares a history context for the rest of the transaction (what pghistory's
# triggers read through `_pgh_attach_context()`).
CONTEXT_SQL = (
    "SELECT set_config('pghistory.context_id', %(context_id)s, true), "
    "set_config('pghistory.context_metadata', %(context_metadata)s, true)"
)


def context_params(metadata: dict[str, Any]) -> dict[str, str]:
    """The parameters of CONTEXT_SQL for a new context with this metadata."""
    return {
        "context_id": str(uuid.uuid4()),
        "context_metadata": json.dumps(metadata, cls=DjangoJSONEncoder),
    }


class _DeclareOnce:
    """An execute wrapper that sends CONTEXT_SQL with the next statement, in the same round trip, and then
    steps aside: the context is declared once for the transaction, at no extra query."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        self.pending = True

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.pending or many or getattr(context["cursor"], "name", None):
            return execute(sql, params, many, context)
        self.pending = False
        prefixed: dict[str, Any] | tuple[Any, ...]
        if isinstance(params, dict):
            prefix, prefixed = CONTEXT_SQL, {**params, **self.params}
        else:
            prefix = CONTEXT_SQL.replace("%(context_id)s", "%s").replace("%(context_metadata)s", "%s")
            prefixed = (self.params["context_id"], self.params["context_metadata"], *(params or ()))
        return execute(f"{prefix};\n{sql}", prefixed, many, context)


@contextmanager
def recorded_as(actor: AbstractBaseUser | None, via: str, *, action: str, **extra: Any) -> Iterator[None]:
    """Every history row this transaction writes from here says who acted, how, with which action (and
    `extra`). Use inside `transaction.atomic()`: the setting ends with the transaction. The context is
    sent with the first statement inside, in its round trip."""
    if not connection.in_atomic_block:
        raise RuntimeError("recorded_as needs a transaction: the history context lasts as long as one")
    declare = _DeclareOnce(context_params({**history_context(actor, via), "action": action, **extra}))
    with connection.execute_wrapper(declare):
        yield
