"""Benchmark of the queue's search on the SLA bench's 1,000,000 open tickets (prints figures; not a test).

Run `bench/sla_sweep.py` first (it generates the tickets), then:

    .venv/bin/python bench/ticket_search.py [--repeats 5] [--database-url …]

For each kind of search an agent types (a ticket number, a customer's name, words of a description, an
email, a phone typed the local way, a service reference, two letters, something that matches nothing),
it times the console's first page (`tickets.selectors.queue_tickets`, tab "all", as a supervisor: the
25 rows and the count the pager shows) with the search as it is (`ticket_search_q`: one `id IN (…
UNION …)` answered from indexes; two letters, fewer than `SEARCH_MIN`, find nothing) and as it was
(one OR of the same conditions across the joined tables, which PostgreSQL answers by reading every
ticket), and checks that both find the same tickets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen
import sla_sweep as sweep_bench  # the bench next door generates the data (kind "sla") and owns its clock


def or_across_joins(text: str) -> Any:
    """The search as it was before it moved to `ticket_search_q`'s union: the same conditions, ORed."""
    from django.db.models import Q

    from helpdesk.lib import ticket_numbers

    condition = (
        Q(customer__name__icontains=text)
        | Q(customer__email__icontains=text)
        | Q(contact_email__icontains=text)
        | Q(service__reference__istartswith=text)
        | Q(description__icontains=text)
    )
    number = ticket_numbers.normalise(text)
    if number:
        condition |= Q(number=number)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 6 and len(digits) * 2 >= len(text.replace(" ", "")):
        tail = digits[-9:]
        condition |= Q(customer__phone__endswith=tail) | Q(contact_phone__endswith=tail)
    return condition


def terms() -> dict[str, str]:
    """Search texts taken from the generated data, so that each finds what it should."""
    from tickets.models import Customer, Service, Ticket

    ticket = Ticket.objects.order_by("id")[Ticket.objects.count() // 2]  # the 500,000th of 1,000,000
    customer = Customer.objects.order_by("id")[1234:1235].get()
    phone = customer.phone.removeprefix("+62")
    service = Service.objects.order_by("id")[4321:4322].get()
    return {
        "ticket number, typed lower-case without dashes": ticket.number.replace("-", "").lower(),
        "customer's name": customer.name,
        "customer's email, first part": customer.email.split("@")[0],
        "phone typed the local way (0…)": f"0{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        "service reference": service.reference,
        # Descriptions are "<phrase> (ref <n>)": the reference picks one ticket, a phrase a tenth of them.
        "words of one ticket's description": ticket.description.rsplit("(", 1)[-1],
        "words in a tenth of the descriptions": datagen.PHRASES[-1].split(" ", 2)[-1],
        "two letters": "ab",
        "nothing matches": "tidak ada yang cocok",
    }


def page(viewer: Any, now: dt.datetime, condition: Any) -> tuple[float, list[str], int]:
    """The console's first page for the search: 25 rows and the total, timed together."""
    from tickets.selectors import queue_tickets

    started = time.perf_counter()
    queryset = queue_tickets(viewer=viewer, now=now, tab="all").filter(condition)
    rows = [ticket.number for ticket in queryset[:25]]
    total = queryset.count()
    return time.perf_counter() - started, rows, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per search (median; default 5)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = datagen.database_url(args.database_url, sweep_bench.DEFAULT_DATABASE_URL)
    if not datagen.database_exists(url):
        sys.exit("no bench data: run bench/sla_sweep.py first")
    datagen.setup(url)
    mark = datagen.read_mark()
    if not mark or mark.get("kind") != "sla":
        sys.exit(f"{datagen.database_name(url)} holds {datagen.describe(mark)}: run bench/sla_sweep.py first")
    from django.contrib.auth import get_user_model

    from tickets.models import Ticket
    from tickets.selectors import search_too_short, ticket_search_q

    viewer = get_user_model().objects.get(username="bench-supervisor-1")
    now = sweep_bench.bench_now()
    print(f"Queue search on {Ticket.objects.count():,} tickets, first page (25) and count, as a supervisor")
    print(f"{'search':<48} {'found':>8} {'now (median)':>14} {'before (median)':>16} {'same':>5}")
    failures = 0
    for what, text in terms().items():
        page(viewer, now, ticket_search_q(text))  # warm the caches the same for both
        runs = [page(viewer, now, ticket_search_q(text)) for _ in range(args.repeats)]
        before = [page(viewer, now, or_across_joins(text)) for _ in range(max(1, args.repeats // 2))]
        # Fewer than SEARCH_MIN characters find nothing now, by design: only the time is compared.
        same = runs[0][1:] == before[0][1:] or (search_too_short(text) and runs[0][2] == 0)
        failures += not same
        print(
            f"{what:<48} {runs[0][2]:>8,} {statistics.median(r[0] for r in runs) * 1000:>11.0f} ms"
            f" {statistics.median(r[0] for r in before) * 1000:>13.0f} ms {'yes' if same else 'NO':>5}"
        )
    if failures:
        sys.exit(f"{failures} searches found different tickets the two ways")


if __name__ == "__main__":
    main()
