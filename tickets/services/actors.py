"""Who is acting on a ticket, as the history records it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pghistory
from django.contrib.auth.models import AbstractBaseUser


class Via:
    """Who is acting: staff in the console or API, or the customer through the public portal."""

    STAFF = "staff"
    PORTAL = "portal"
    EMAIL = "email"
    SYSTEM = "system"


def history_context(actor: AbstractBaseUser | None, via: str) -> dict[str, Any]:
    """What pghistory records with each change: who (a person, the customer or the system) and how."""
    return {
        "user": getattr(actor, "pk", None),
        "username": getattr(actor, "username", None)
        or ("customer" if via in (Via.PORTAL, Via.EMAIL) else "system"),
        "via": via,
    }


@contextmanager
def recorded_as(actor: AbstractBaseUser | None, via: str, *, action: str, **extra: Any) -> Iterator[None]:
    """Every history row written inside says who acted, how and with which action (and `extra`)."""
    with pghistory.context(**history_context(actor, via), action=action, **extra):
        yield
