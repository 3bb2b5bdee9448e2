"""SQL the ORM does not write: `column = ANY(ARRAY(SELECT …))`, and a count of related rows as a scalar
subquery."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Func, IntegerField, Lookup, QuerySet, Subquery
from django.db.models.functions import Coalesce


class _IsAnyOf(Lookup):
    lookup_name = "is_any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def is_any_of(field: str, values: QuerySet[Any]) -> Any:
    """`field = ANY(ARRAY(values))`, a condition for `filter()` or a `Q`: `values` (one column) is run once,
    first, as an InitPlan, and its result is an array the planner can look up in an index of `field`, alone
    or beside an OR. `field IN (values)` is planned as a join instead: a semi-join over the whole input, or
    under an OR a subplan checked on every row."""
    return _IsAnyOf(F(field), ArraySubquery(values))


def count_of(rows: QuerySet[Any]) -> Coalesce:
    """How many of `rows` (a queryset correlated to the outer row with OuterRef), as a scalar subquery
    for `annotate()`: `(SELECT COUNT(*) FROM … WHERE report_id = outer.id)`, 0 for none. PostgreSQL works
    it out only for the rows a page keeps, after the sort and the cut, where `Count()` over a join groups
    every outer row first. COUNT(*) is written as a plain function so that the ORM adds no GROUP BY."""
    counted = rows.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted), 0)
