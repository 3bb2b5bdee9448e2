"""helpdesk.lib.sql: the conditions the ORM does not write, checked against what they select."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.lib.sql import is_any_of, is_one_of
from tests.tickets.factories import CustomerFactory
from tickets.models import Customer

pytestmark = pytest.mark.django_db


def test_a_list_of_ids_is_one_array_parameter_and_selects_those_rows() -> None:
    customers = [CustomerFactory() for _ in range(4)]
    wanted = [customers[0].pk, customers[2].pk, customers[3].pk]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Customer.objects.filter(is_one_of("pk", wanted)).values_list("pk", flat=True))
    assert found == sorted(wanted)
    [query] = queries.captured_queries
    assert "= ANY(ARRAY[" in query["sql"] and " IN (" not in query["sql"], query["sql"]
    # No ids, no rows (and no error on an array of no type); ids as strings are read as numbers.
    assert not Customer.objects.filter(is_one_of("pk", [])).exists()
    assert Customer.objects.filter(is_one_of("pk", [str(customers[1].pk)])).get() == customers[1]


def test_a_subquery_of_ids_selects_the_same_rows() -> None:
    customers = [CustomerFactory(name=f"Sama {n}") for n in range(3)]
    CustomerFactory(name="Lain")
    subquery = Customer.objects.filter(name__startswith="Sama").values("pk")
    found = set(Customer.objects.filter(is_any_of("pk", subquery)).values_list("pk", flat=True))
    assert found == {customer.pk for customer in customers}
