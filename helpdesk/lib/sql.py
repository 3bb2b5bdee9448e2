"""SQL the ORM does not write: `column = ANY(ARRAY(SELECT …))` (of one query or several), `column =
ANY(%s)` of a list of ids, a count of related rows as a scalar subquery, and a time window a GiST index
holds (`window`)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import DateTimeRangeField
from django.contrib.postgres.fields.ranges import DateTimeRangeContains
from django.db.models import Expression, F, Func, IntegerField, Lookup, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least


class _IsAnyOf(Lookup):
    lookup_name = "is_any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


class _Concatenated(Func):
    """`(a || b || …)` of arrays."""

    template = "(%(expressions)s)"
    arg_joiner = " || "


def is_any_of(field: str, values: QuerySet[Any], *more: QuerySet[Any]) -> Any:
    """`field = ANY(ARRAY(values))`, a condition for `filter()` or a `Q`: `values` (one column) is run once,
    first, as an InitPlan, and its result is an array the planner can look up in an index of `field`, alone
    or beside an OR. `field IN (values)` is planned as a join instead: a semi-join over the whole input, or
    under an OR a subplan checked on every row. With `more`, the arrays of all of them one after the other
    (`ANY(ARRAY(values) || ARRAY(…))`), each its own InitPlan."""
    arrays = [ArraySubquery(query) for query in (values, *more)]
    if len(arrays) == 1:
        return _IsAnyOf(F(field), arrays[0])
    return _IsAnyOf(F(field), _Concatenated(*arrays, output_field=arrays[0].output_field))


class _Ids(Expression):
    """A list of integer ids as one array parameter."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__()
        self.ids = ids

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return "%s::bigint[]", (self.ids,)


def is_one_of(field: str, ids: list[int]) -> Any:
    """`field = ANY(%s::bigint[])`, a condition for `filter()` or a `Q`: the ids as one parameter. Where
    `field__in=ids` makes the ORM build, resolve and escape a parameter per id (a search's request names
    its hundreds of matches in three statements; in a profile of one, the `In` lookup's parameters were
    its costliest Python), this passes the list once, as an array."""
    return _IsAnyOf(F(field), _Ids([int(value) for value in ids]))


def count_of(rows: QuerySet[Any]) -> Coalesce:
    """How many of `rows` (a queryset correlated to the outer row with OuterRef), as a scalar subquery
    for `annotate()`: `(SELECT COUNT(*) FROM … WHERE report_id = outer.id)`, 0 for none. PostgreSQL works
    it out only for the rows a page keeps, after the sort and the cut, where `Count()` over a join groups
    every outer row first. COUNT(*) is written as a plain function so that the ORM adds no GROUP BY."""
    counted = rows.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted), 0)


def window(start: str, end: str) -> Func:
    """`tstzrange(LEAST(start, end), end)`: the instants from `start` up to (not including) `end`, as a
    range a GiST index can hold, so that "which rows' window holds this instant" is one index probe rather
    than a walk of every row whose `end` is still to come. LEAST keeps a row whose `start` is after its
    `end` (or is null) from raising "range lower bound must be less than or equal to range upper bound":
    its window is empty. An index and the condition built on it must both use this, to the letter."""
    return Func(Least(F(start), F(end)), F(end), function="tstzrange", output_field=DateTimeRangeField())


def window_holds(start: str, end: str, instant: Any) -> Any:
    """`window(start, end) @> instant`, a condition for `filter()` or a `Q`: `start <= instant < end` for
    rows whose both ends are set (with `end` null the window has no end: say `end > instant` beside it)."""
    return DateTimeRangeContains(window(start, end), instant)
