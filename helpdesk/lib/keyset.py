"""Keyset ("cursor") pagination: a page starts after the last row of the one before, by the values of its
sort, so page 1,000 is read from an index as cheaply as page 1 and rows created meanwhile cause neither
duplicates nor gaps. Lists sort by one column then the primary key, both in the same direction; the
cursor is those two values of the last row shown, encoded for a URL.

The condition for "after (v, k)" is written `col >= v AND (col > v OR pk > k)` (ascending): its first
half is a range an index on (col, pk) starts from, the second only trims the rows equal to v."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.dateparse import parse_datetime

from helpdesk.lib.sql import is_any_of

M = TypeVar("M", bound=Model)
K = TypeVar("K")

# Counting a list stops here: beyond it a page says "10,000+" (an exact COUNT over hundreds of thousands of
# rows on every request is what makes large helpdesks slow).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Ordering:
    """Sort by `field` (ascending unless `descending`), then by the primary key the same way."""

    field: str
    descending: bool = False

    @property
    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return (f"{sign}{self.field}", f"{sign}pk")

    @classmethod
    def parse(cls, text: str) -> Ordering:
        return cls(text.removeprefix("-"), descending=text.startswith("-"))


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, int | str | None):
        return value
    return str(value)


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("t"), str):
        parsed = parse_datetime(value["t"])
        if parsed is None:
            raise ValueError("not a time")
        return parsed
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise ValueError("not a cursor value")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[Any, int] | None:
    """The (sort value, primary key) a cursor names, or None for no cursor or one that is not ours (a
    tampered or truncated cursor starts from the first page instead of failing)."""
    if not text or len(text) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or len(decoded) != 2:
            return None
        value, key = _decode_value(decoded[0]), decoded[1]
    except (ValueError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(key, int) or isinstance(key, bool):
        return None
    return value, key


def after(ordering: Ordering, cursor: tuple[Any, int]) -> Q:
    """The rows that come after `cursor` in `ordering`."""
    value, key = cursor
    field = ordering.field
    if ordering.descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=key))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(pk__gt=key))


def keyset_page(
    queryset: QuerySet[M], *, ordering: Ordering, cursor: str | None, size: int, parts: Sequence[Q] = ()
) -> Page[M]:
    """One page of `queryset` in `ordering`, starting after `cursor` (the first page without one): one
    query, `size + 1` rows read to know whether there is a next page.

    The page's keys are chosen first, from the list's own table and what its filters name, and only then
    are the rows read with everything `queryset` joins and annotates: `pk = ANY(ARRAY(SELECT pk … LIMIT
    n))`, which PostgreSQL runs as an InitPlan, once, before the outer scan. Written as one query with the
    joins, a filter that PostgreSQL misjudges (a partial index it thinks holds one row, where a mass outage
    has put thousands) has it join every matching ticket to customers, services, teams and users before
    it keeps the first 51 (`id IN (SELECT …)` is no help: the planner flattens it into a semi-join over
    the whole input). A DISTINCT list is read as it stands (its keys could not be chosen alone).

    `parts`, when given: the list is the rows of `queryset` that meet any of these conditions, which must
    not overlap (a row meeting two would be shown twice). Each part's first `size + 1` keys are chosen on
    their own, and the page is the first of them all in the order: for a list whose condition is an OR
    that no one index walks in the order (PostgreSQL would read every row of every arm and sort them),
    where each arm has an index of its own to walk or to pick its few rows from."""
    position = decode_cursor(cursor)
    if position is not None:
        queryset = queryset.filter(after(ordering, position))
    ordered = queryset.order_by(*ordering.order_by)
    if len(parts) == 1:
        ordered, parts = ordered.filter(parts[0]), ()
    if ordered.query.distinct:
        rows = list(ordered.filter(any_of(parts))[: size + 1] if parts else ordered[: size + 1])
    elif parts:
        first, *more = [ordered.filter(part).values("pk")[: size + 1] for part in parts]
        rows = list(_rows_of(ordered).filter(is_any_of("pk", first, *more))[: size + 1])
    else:
        rows = list(_rows_of(ordered).filter(is_any_of("pk", ordered.values("pk")[: size + 1])))
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, ordering.field), last.pk])
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)


def first_rows(lists: Sequence[QuerySet[M]], *, ordering: Ordering, size: int) -> list[M]:
    """The first `size` rows of each of `lists` in `ordering`, read in one statement (each list's keys
    chosen by an InitPlan of its own, as `keyset_page` chooses a page's) and returned together in that
    order; the caller tells them apart. The rows are read with what the first list joins and annotates:
    the lists are conditions on one queryset (the live board's columns). A row in two lists is read once."""
    first, *more = [rows.order_by(*ordering.order_by).values("pk")[:size] for rows in lists]
    return list(_rows_of(lists[0].order_by(*ordering.order_by)).filter(is_any_of("pk", first, *more)))


def _rows_of(ordered: QuerySet[M]) -> QuerySet[M]:
    """`ordered` to read the page's rows by their keys: its joins, annotations and order, without its
    conditions, which the keys were chosen by in the same statement (and snapshot). Kept, they were
    planned a second time for the outer query (the live board's at-risk page at 1,000,000: planning 7.3
    → 4.4 ms without them) and a search's list of matching ids became a second index condition, every
    match probed again (the API's name search: 558 probes for 51 rows). Left as
    they are when a condition joins a many-valued relation, whose join without its condition could
    repeat a row."""
    for join in ordered.query.alias_map.values():
        field: Any = getattr(join, "join_field", None)  # the base table has none
        if field is not None and (field.many_to_many or field.one_to_many):
            return ordered
    rows = ordered.all()
    rows.query.where = WhereNode()
    return rows


def any_of(parts: Sequence[Q]) -> Q:
    """The rows that meet any of `parts` (at least one), as one condition."""
    return functools.reduce(operator.or_, parts)


def capped_count(
    queryset: QuerySet[Any], cap: int | None = None, *, parts: Sequence[Q] = ()
) -> tuple[int, bool]:
    """How many rows, counted up to `cap` (COUNT_CAP; one query that stops there), and whether there are
    more. With `parts` (as `keyset_page`'s, not overlapping), the rows of `queryset` that meet any of them:
    each part counted up to the cap on its own, in the same query."""
    cap = COUNT_CAP if cap is None else cap
    if len(parts) > 1:
        counts = capped_counts({index: queryset.filter(part) for index, part in enumerate(parts)}, cap)
        found = sum(count + more for count, more in counts.values())
    else:
        found = queryset.filter(*parts).order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def capped_counts(querysets: Mapping[K, QuerySet[Any]], cap: int | None = None) -> dict[K, tuple[int, bool]]:
    """`capped_count` of several lists in one query (the tabs of a page): {key: (count, more)}."""
    cap = COUNT_CAP if cap is None else cap
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    alias = "default"
    for queryset in querysets.values():
        limited = queryset.order_by().values("pk")[: cap + 1]
        sql, part_params = limited.query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(part_params)
        alias = queryset.db
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: (min(found, cap), found > cap) for key, found in zip(querysets, row, strict=True)}


def exact_counts(querysets: Mapping[K, QuerySet[Any]]) -> dict[K, int]:
    """The exact number of rows of each list, in one query (each its own scalar subquery, so each is
    answered by its own index): for counts over a bounded range of rows — today's, this week's."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    alias = "default"
    for queryset in querysets.values():
        sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(part_params)
        alias = queryset.db
    with connections[alias].cursor() as cursor:
        # Every part was compiled by the ORM, with its parameters apart.
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, (int(value) for value in row), strict=True))
