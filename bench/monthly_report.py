"""Benchmark: build the monthly recap over 300,000 tickets reported in one month (not a test).

Run (it creates its own database, migrates it, loads the data once, then times the build):

    cd /work/main
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports \\
        .venv/bin/python bench/monthly_report.py [--tickets 300000] [--reload]

Targets: monthly_report_build(rebuild=True) in at most 15 s and 500 MB peak memory (ru_maxrss).
The data is written straight into the tables with COPY in batches of 10,000 (triggers off for the load,
as a restore would do), with realistic mixes of category, classification, channel, stage, SLA outcome,
escalations, RCAs and ratings. Ticket numbers come from the ticket sequence.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import sys
import time
import tracemalloc
import zoneinfo
from pathlib import Path

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
os.environ.setdefault("DATABASE_URL", DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.base")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
MONTH = dt.date(2026, 3, 1)
BATCH = 10_000


def ensure_database() -> None:
    import psycopg2
    from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin = psycopg2.connect(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres")
    admin.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def copy_rows(cursor, model, rows: list[dict]) -> None:
    """COPY `rows` (attname → value) into `model`'s table; missing columns take the field's default."""
    fields = [f for f in model._meta.concrete_fields if f.attname != "id" or "id" in rows[0]]
    buffer = io.StringIO()
    for row in rows:
        values = []
        for field in fields:
            value = row[field.attname] if field.attname in row else field.get_default()
            if value is None:
                values.append("\\N")
            elif isinstance(value, bool):
                values.append("t" if value else "f")
            elif isinstance(value, dt.datetime):
                values.append(value.isoformat())
            else:
                text = str(value)
                values.append(text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " "))
        buffer.write("\t".join(values) + "\n")
    buffer.seek(0)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)


def load(total: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from escalation.models import Escalation
    from helpdesk.lib import ticket_numbers
    from reports import recap
    from reports.models import (
        CapaAction,
        CapaReport,
        RootCauseAnalysis,
        RootCauseCategory,
        SatisfactionRating,
    )
    from tickets.models import Customer, Region, Service, Team, Ticket

    rng = random.Random(20260301)
    start, end = recap.month_bounds(MONTH)
    seconds = int((end - start).total_seconds())
    regions = list(Region.objects.values_list("id", flat=True))
    teams = dict(Team.objects.values_list("name", "id"))
    categories = list(RootCauseCategory.objects.values_list("id", flat=True))
    now = end + dt.timedelta(hours=1)
    technician, _ = User.objects.get_or_create(
        username="bench-tech", defaults={"email": "tech@bench.example"}
    )
    technician.groups.add(Group.objects.get(name="technician"))
    for role in ("manager", "director", "analyst"):
        user, _ = User.objects.get_or_create(
            username=f"bench-{role}", defaults={"email": f"{role}@bench.example"}
        )
        user.groups.add(Group.objects.get(name=role))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no history triggers for a bulk load
        raw = cursor.cursor
        customers_n, services_n = 40_000, 50_000
        first_customer = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        copy_rows(
            raw,
            Customer,
            [
                {
                    "id": first_customer + i,
                    "name": f"Bench customer {i}",
                    "email": f"bench{i}@example.co.id",
                    "phone": f"+62813{i:07d}",
                    "tier": "high_value" if i % 20 == 0 else "regular",
                    "region_id": rng.choice(regions),
                    "created_at": start,
                }
                for i in range(customers_n)
            ],
        )
        first_service = (Service.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        kinds = (
            ["broadband"] * 6
            + ["dedicated_internet"] * 2
            + ["vpn", "fiber", "tower", "wireless"]
            + [
                "cloud_hosting",
                "unified_communications",
                "iot",
            ]
        )
        copy_rows(
            raw,
            Service,
            [
                {
                    "id": first_service + i,
                    "customer_id": first_customer + i % customers_n,
                    "kind": rng.choice(kinds),
                    "region_id": rng.choice(regions),
                    "reference": f"BENCH-{first_service + i:08d}",
                    "status": "active",
                    "billing_status": "paid",
                    "overdue_amount": "0",
                }
                for i in range(services_n)
            ],
        )
        first_rca = (RootCauseAnalysis.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        rca_n = 3_000
        copy_rows(
            raw,
            RootCauseAnalysis,
            [
                {
                    "id": first_rca + i,
                    "problem_statement": f"Incident {i}",
                    "category_id": categories[min(int(rng.paretovariate(1.2)) - 1, len(categories) - 1)],
                    "analysis": "a",
                    "temporary_fix": "t",
                    "permanent_fix": "p",
                    "author_id": technician.pk,
                    "created_at": start,
                    "updated_at": start,
                }
                for i in range(rca_n)
            ],
        )
        first_ticket = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        route = {
            "network": "Network Operation",
            "billing": "Billing & Account",
            "account": "Billing & Account",
        }
        route["service"] = "Network Operation"
        response_target = {"minor": 120, "major": 60, "critical": 30}
        resolution_target = {"minor": 9 * 60 * 2, "major": 9 * 60 * 3, "critical": 8 * 60}
        escalations: list[dict] = []
        ratings: list[dict] = []
        for offset in range(0, total, BATCH):
            size = min(BATCH, total - offset)
            cursor.execute("SELECT nextval('ticket_number_seq') FROM generate_series(1, %s)", [size])
            numbers = [ticket_numbers.encode(int(v)) for (v,) in cursor.fetchall()]
            rows = []
            for i in range(size):
                pk = first_ticket + offset + i
                reported = start + dt.timedelta(seconds=rng.randrange(seconds))
                category = rng.choices(["network", "billing", "account", "service"], [50, 25, 10, 15])[0]
                classification = rng.choices(["minor", "major", "critical", ""], [52, 34, 10, 4])[0]
                stage = rng.choices(
                    ["closed", "confirmed", "resolved", "dispatched", "verified", "received"],
                    [72, 5, 5, 10, 4, 4],
                )[0]
                service_id = first_service + rng.randrange(services_n)
                klass = classification or "minor"
                response_due = reported + dt.timedelta(minutes=response_target[klass])
                resolution_due = reported + dt.timedelta(minutes=resolution_target[klass])
                responded = reported + dt.timedelta(minutes=rng.lognormvariate(3.2, 0.9))
                resolved = reported + dt.timedelta(minutes=rng.lognormvariate(6.3, 1.0))
                is_resolved = stage in ("closed", "confirmed", "resolved")
                is_closed = stage == "closed"
                rejections = rng.choices([0, 1, 2], [92, 6, 2])[0] if is_resolved else 0
                row = {
                    "id": pk,
                    "number": numbers[i],
                    "customer_id": first_customer + (service_id - first_service) % customers_n,
                    "service_id": service_id,
                    "category": category,
                    "classification": classification,
                    "channel": rng.choices(
                        ["phone", "email", "portal", "walk_in", "social", "whatsapp"], [35, 20, 20, 5, 5, 15]
                    )[0],
                    "description": "Bench complaint",
                    "incident_at": reported - dt.timedelta(minutes=10),
                    "reported_at": reported,
                    "created_at": reported,
                    "updated_at": now,
                    "stage": stage,
                    "team_id": teams[route[category]]
                    if stage not in ("received", "verified")
                    else teams["Customer Care"],
                    "first_response_due": response_due,
                    "first_responded_at": responded if stage != "received" else None,
                    "response_sla": ("met" if responded <= response_due else "missed")
                    if stage != "received"
                    else "ok",
                    "resolution_due": resolution_due,
                    "resolution_sla": ("met" if resolved <= resolution_due else "missed")
                    if is_resolved
                    else "ok",
                    "resolved_at": resolved if is_resolved else None,
                    "first_resolved_at": resolved if is_resolved else None,
                    "confirmed_at": resolved + dt.timedelta(hours=2)
                    if stage in ("closed", "confirmed")
                    else None,
                    "closed_at": resolved + dt.timedelta(hours=3) if is_closed else None,
                    "close_reason": "confirmed" if is_closed else "",
                    "rca_id": first_rca + min(int(rng.paretovariate(0.8)), rca_n - 1)
                    if is_resolved
                    else None,
                    "rejection_count": rejections,
                    "escalation_level": 0,
                }
                rows.append(row)
                if rejections:
                    escalations.append(
                        {
                            "ticket_id": pk,
                            "level": min(rejections, 2),
                            "reason": "dissatisfaction",
                            "raised_at": resolved,
                        }
                    )
                if row["response_sla"] == "missed" and rng.random() < 0.5:
                    escalations.append(
                        {"ticket_id": pk, "level": 1, "reason": "response_breach", "raised_at": response_due}
                    )
                if stage in ("closed", "confirmed") and rng.random() < 0.3:
                    ratings.append(
                        {
                            "ticket_id": pk,
                            "csat": rng.choices([1, 2, 3, 4, 5], [5, 8, 17, 40, 30])[0],
                            "nps": rng.choice([None, *range(11), 9, 10, 8]),
                            "comment": "",
                            "via": "portal",
                            "created_at": row["confirmed_at"],
                        }
                    )
            copy_rows(raw, Ticket, rows)
        for offset in range(0, len(escalations), BATCH):
            copy_rows(raw, Escalation, [{**e, "note": ""} for e in escalations[offset : offset + BATCH]])
        for offset in range(0, len(ratings), BATCH):
            copy_rows(raw, SatisfactionRating, ratings[offset : offset + BATCH])
        report = CapaReport.objects.create(title="Bench CAPA", author=technician)
        CapaAction.objects.bulk_create(
            CapaAction(
                report=report,
                kind=rng.choice(["corrective", "preventive"]),
                description="x",
                owner=technician,
                due_date=MONTH + dt.timedelta(days=rng.randrange(60)),
                status=rng.choice(["open", "in_progress", "done", "cancelled"]),
            )
            for _ in range(500)
        )
        for table in ("tickets_ticket", "tickets_customer", "tickets_service", "reports_rootcauseanalysis"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {total:,} tickets, {len(escalations):,} escalations, {len(ratings):,} ratings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--reload", action="store_true", help="load another batch even if data is there")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from reports import recap, services
    from tickets.models import Ticket

    start, end = recap.month_bounds(MONTH)
    present = Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end).count()
    if present < args.tickets or args.reload:
        began = time.perf_counter()
        load(args.tickets - present if not args.reload else args.tickets)
        print(f"load: {time.perf_counter() - began:.1f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    began = time.perf_counter()
    report, _ = services.monthly_report_build(month=MONTH, rebuild=True, now=end + dt.timedelta(hours=1))
    elapsed = time.perf_counter() - began
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = report.data
    print(f"month {data['month']}: {data['tickets_reported']:,} tickets reported")
    print(f"monthly_report_build(rebuild=True): {elapsed:.2f} s (target ≤ 15 s)")
    print(f"peak RSS of the process: {rss_after / 1024:.0f} MB (target ≤ 500 MB)")
    print(f"peak RSS before the build: {rss_before / 1024:.0f} MB")
    print(f"peak Python allocations during the build (tracemalloc): {traced_peak / 1024 / 1024:.1f} MB")
    print("SLA:", data["sla"])
    print("times:", data["times"])
    print(
        "escalations:",
        data["escalations"]["by_level"],
        "reopen:",
        data["reopen"],
        "backlog:",
        data["backlog"],
    )
    print("satisfaction:", data["satisfaction"])
    print("top causes:", [(c["code"], c["tickets"]) for c in data["root_causes"][:3]])
    from django.core.cache import cache
    from django.core.management import call_command

    from reports import exports

    call_command("createcachetable", verbosity=0)  # the database cache, when no REDIS_URL is set

    for fmt in ("csv", "xlsx", "pdf"):
        began = time.perf_counter()
        size = len(getattr(exports, f"monthly_{fmt}")(report))
        print(f"export {fmt}: {size / 1024:.0f} KB in {time.perf_counter() - began:.2f} s")
    # What a download costs through the API: rendered once per snapshot and language, then cached.
    cache.clear()
    for attempt in ("first", "second"):
        began = time.perf_counter()
        exports.monthly_pdf_cached(report)
        print(f"export pdf through the cache, {attempt} download: {time.perf_counter() - began:.3f} s")


if __name__ == "__main__":
    main()
