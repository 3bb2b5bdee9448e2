"""The API's JSON parser: DRF's, refusing a body nested deeper than any request of ours needs.

Python's parser walks nesting by recursion, so a body of ten thousand `[` raises RecursionError, which
DRF does not catch (a 500), and a body nested a few hundred deep parses but then recurses through every
serializer that reads it. The deepest body the API takes is three levels (a CAPA report with its actions,
each with its fields); MAX_JSON_DEPTH leaves room and refuses the rest as a 400 before any view sees it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32


class JSONTooDeep(ParseError):
    """Its message is ours and says what is wrong (the error handler keeps it)."""

    default_code = "parse_error"


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers in `data` nest deeper than `limit` (walked with a stack, not by recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        message = _("The JSON is nested too deep (at most %(depth)d levels).") % {"depth": MAX_JSON_DEPTH}
        too_deep = JSONTooDeep(message)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _deeper_than(data, MAX_JSON_DEPTH):
            raise too_deep
        return data
