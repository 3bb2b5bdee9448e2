"""The link to a ticket's console page that the lists print for every row (console.selectors.ticket_url):
the path reversed once per script prefix, equal to what `reverse` gives; and the row's hover text
(`at_most`), cut as truncatechars cuts it."""

from __future__ import annotations

from django.template.defaultfilters import truncatechars
from django.urls import get_script_prefix, reverse, set_script_prefix
from hypothesis import example, given
from hypothesis import strategies as st

from console.selectors import ticket_url
from console.templatetags.console import at_most


@given(number=st.text(min_size=1, max_size=40).filter(lambda text: "/" not in text))
def test_the_link_is_what_reverse_gives_for_any_number(number: str) -> None:
    assert ticket_url(number) == reverse("console:ticket", args=[number])


def test_the_link_follows_the_script_prefix_it_is_served_under() -> None:
    before = get_script_prefix()
    try:
        set_script_prefix("/helpdesk/")
        assert ticket_url("TKT-2026-000001") == "/helpdesk/console/tickets/TKT-2026-000001/"
        set_script_prefix("/")
        assert ticket_url("TKT-2026-000001") == "/console/tickets/TKT-2026-000001/"
    finally:
        set_script_prefix(before)


def test_the_link_is_quoted_and_a_number_reverse_refuses_falls_back() -> None:
    assert ticket_url("TKT-1 ü") == "/console/tickets/TKT-1%20%C3%BC/"
    assert ticket_url("a/b") == "/console/tickets/a/b/"  # not a ticket number; the literal path


@given(text=st.text(max_size=600), length=st.integers(min_value=1, max_value=520))
@example(text="\uf900", length=5)  # a CJK compatibility ideograph: truncatechars normalises it (NFC)
@example(text="\u0958" * 3, length=4)  # NFC decomposes it: two characters each, one a combining mark
def test_at_most_cuts_as_truncatechars_does(text: str, length: int) -> None:
    assert at_most(text, length) == truncatechars(text, length)
