"""Canned replies' placeholders: which there are, and filling them in. Pure functions, no ORM."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("customer_name", "ticket_number", "agent_name")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The `{names}` in `text` that are not placeholders we fill, in order of appearance, once each."""
    found: list[str] = []
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known `{placeholder}` replaced by its value. Not str.format: a brace the writer
    typed, or a value holding braces, is kept as it is and never read as a format field."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)
