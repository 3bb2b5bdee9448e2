"""SQL the ORM does not write: `column = ANY(ARRAY(SELECT …))`."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Lookup, QuerySet


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
