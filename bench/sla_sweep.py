#!/usr/bin/env python
"""Benchmark of the SLA watcher on a large table of open tickets (issue 4). Prints figures; not a test.

    .venv/bin/python bench/sla_sweep.py            # 1,000,000 open tickets, 3 rounds of 10,000 breaches
    .venv/bin/python bench/sla_sweep.py --keep     # reuse the generated tickets (skips the generation)
    .venv/bin/python bench/sla_sweep.py --tickets 100000 --breaches 1000 --naive-sample 20000  # quick look

Every sweep runs in a fresh child process and calls `sla.services.sla_sweep(now=T)`, exactly what the beat
task and `manage.py sla_sweep` call, with the bench's fixed clock T instead of `timezone.now()`:

1. Nothing due: a cold sweep, then `--repeats` timed sweeps (median), and their SQL queries
   (`CaptureQueriesContext`).
2. Each of `--rounds` rounds: one UPDATE moves the first-response deadline of `--breaches` untouched tickets
   1–10 minutes before T; a fresh child sweeps (timed, queries, rows written), then sweeps again (must find
   nothing new). Then as many other untouched tickets' deadlines pass the same way and a child
   does the same work the naive way: every open ticket loaded as a model (`.iterator()`), its clocks
   checked in Python, each changed ticket `save()`d in a transaction with its `SlaEvent` and the
   escalations now due (with who was notified) through the ORM, then each person's warnings and
   escalations as one email and one inbox entry, as the sweep writes them. Its rows are counted and
   checked against the sweep's.
3. Memory: the peak resident set (`ru_maxrss`) of each sweeping child, absolute and over its own size just
   before the sweep (Django loaded, connection open).

Exit code 1 when a correctness check fails (the right tickets breached, recorded, escalated, once); a missed
target is only printed ("TARGET MISSED").

Database: `--database-url`, else $BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla. $DATABASE_URL is deliberately not read: the script
drops and recreates its database, so the name must contain "bench".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla"
RESULTS_PATH = ROOT / "bench" / "results" / "sla_sweep.json"
# Written on tickets_ticket once the data are complete; --keep reuses only data this generator made.
DATA_MARK = "sla_sweep bench data v2: {tickets} open tickets"

TARGET_IDLE_SECONDS = 0.2
TARGET_BREACH_SECONDS = 10.0
TARGET_PEAK_MB = 300.0
TARGET_RATIO = 50.0

CHUNK = 100_000  # tickets per INSERT statement

# Staff of the generated desk: (group, how many).
STAFF = [
    ("agent", 40),
    ("support", 10),
    ("supervisor", 4),
    ("technician", 60),
    ("manager", 2),
    ("director", 1),
    ("analyst", 2),
]
PHRASES = [
    "Internet mati sejak pagi",
    "Koneksi lambat pada jam sibuk",
    "Tagihan bulan ini tidak sesuai",
    "Link VPN ke kantor cabang putus",
    "Packet loss tinggi ke data center",
    "Tidak bisa login ke portal pelanggan",
    "Sinyal wireless hilang-timbul",
    "Layanan cloud hosting tidak bisa diakses",
    "Permintaan perubahan paket belum diproses",
    "Fiber putus setelah galian jalan",
]
SERVICE_KINDS = [
    "dedicated_internet",
    "broadband",
    "vpn",
    "fiber",
    "tower",
    "wireless",
    "cloud_hosting",
    "unified_communications",
    "iot",
]


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


# --- Database ------------------------------------------------------------------------------------------


def database_url(explicit: str | None) -> str:
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    return url


def configure_environment(url: str) -> None:
    """Settings for parent and children alike (children inherit the environment)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.base"
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The emails the sweep owes are enqueued after commit: keep them in the process, away from any real
    # broker whose workers would look the ids up in another database.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["REDIS_URL"] = ""


def _admin_connection(url: str) -> Any:
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def database_exists(url: str) -> bool:
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [urlparse(url).path.lstrip("/")])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate_database(url: str) -> None:
    from psycopg2 import sql

    name = sql.Identifier(urlparse(url).path.lstrip("/"))
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()


def fetch_one(sql: str, params: Any = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# --- Ticket numbers in SQL -----------------------------------------------------------------------------


def scrambled_sql(seq: str) -> str:
    """The affine scramble of `ticket_numbers.encode`, numeric so that no product overflows bigint."""
    from helpdesk.lib import ticket_numbers as tn

    return f"(mod(({seq})::numeric * {tn._MULTIPLIER} + {tn._OFFSET}, {tn.SPACE}))::bigint"


def number_sql(scrambled: str) -> str:
    """A SQL expression giving the ticket number of a scrambled value (base 32, then a Luhn mod-32 check
    character as in `_luhn_check_symbol`: factor 2 on the last data digit, then alternating)."""
    from helpdesk.lib import ticket_numbers as tn

    digits = [f"((({scrambled}) >> {5 * (tn.DATA_LENGTH - 1 - k)}) & 31)" for k in range(tn.DATA_LENGTH)]
    terms = [
        f"(2 * {digit}) / 32 + mod(2 * {digit}, 32)" if position % 2 == 0 else digit
        for position, digit in enumerate(reversed(digits))
    ]
    check = f"mod(32 - mod({' + '.join(terms)}, 32), 32)"
    chars = [f"substr('{tn.ALPHABET}', ({d})::int + 1, 1)" for d in [*digits, check]]
    return " || ".join([*chars[:4], "'-'", *chars[4:]])


def check_number_sql(cursor: Any) -> int:
    """Compare the SQL transcription with the Python encoder before any ticket is written."""
    from helpdesk.lib import ticket_numbers

    values = [1, 2, 31, 32, 999, 1000, 1001, 65_535, 1_000_000, 1_234_567, 33_554_431, 987_654_321]
    values += list(range(1000, 3000, 7))
    cursor.execute(
        f"SELECT v, {number_sql(scrambled_sql('v'))} FROM unnest(%s::bigint[]) AS v",  # noqa: S608 (constants)
        [values],
    )
    for value, number in cursor.fetchall():
        if number != ticket_numbers.encode(value):
            sys.exit(f"ticket number SQL disagrees with encode({value}): {number}")
    return len(values)


# --- Generation ----------------------------------------------------------------------------------------


def generate(*, tickets: int, customers: int, now: dt.datetime) -> dict[str, float]:
    """Staff, customers, services and `tickets` open tickets, all inside PostgreSQL, with every running
    deadline and risk point after `now`."""
    from django.db import connection

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        checked = check_number_sql(cursor)
        log(f"ticket-number SQL matches helpdesk.lib.ticket_numbers.encode on {checked} values")
        cursor.execute("SELECT id FROM tickets_region ORDER BY id")
        regions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name, id FROM tickets_team")
        teams = dict(cursor.fetchall())
        cursor.execute("SELECT name, id FROM auth_group")
        groups = dict(cursor.fetchall())

        staff: dict[str, list[int]] = {}
        for role, count in STAFF:
            cursor.execute(
                """
                INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                                       is_staff, is_active, date_joined)
                SELECT '!', false, 'bench-' || %(role)s || '-' || g, initcap(%(role)s), g::text,
                       'bench-' || %(role)s || g || '@nusantaratelekomindo.co.id', true, true, %(now)s
                FROM generate_series(1, %(count)s) AS g
                RETURNING id
                """,
                {"role": role, "count": count, "now": now},
            )
            staff[role] = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) SELECT u, %s FROM unnest(%s::int[]) AS u",
                [groups[role], staff[role]],
            )
        technicians = staff["technician"]
        members = {
            "Customer Care": staff["agent"][:34] + staff["supervisor"],
            "Customer Experience": staff["agent"][34:],
            "Network Operation": technicians[:45],
            "Billing & Account": technicians[45:] + staff["support"],
        }
        for team, user_ids in members.items():
            cursor.execute(
                "INSERT INTO tickets_team_members (team_id, user_id) SELECT %s, u FROM unnest(%s::int[]) u",
                [teams[team], user_ids],
            )

        cursor.execute(
            """
            INSERT INTO tickets_customer (name, email, phone, tier, created_at, region_id)
            SELECT 'Pelanggan ' || g, 'pelanggan' || g || '@example.co.id', '+6281' || lpad(g::text, 9, '0'),
                   CASE WHEN random() < 0.1 THEN 'high_value' ELSE 'regular' END,
                   %(now)s - random() * interval '730 days',
                   (%(regions)s::bigint[])[1 + floor(random() * %(nregions)s)::int]
            FROM generate_series(1, %(n)s) AS g
            """,
            {"now": now, "regions": regions, "nregions": len(regions), "n": customers},
        )
        cursor.execute("SELECT min(id) FROM tickets_customer")
        (customer_min,) = cursor.fetchone()
        services = customers * 3 // 2
        cursor.execute(
            """
            INSERT INTO tickets_service (kind, reference, status, billing_status, overdue_amount,
                                         customer_id, region_id)
            SELECT (%(kinds)s::text[])[1 + floor(s.r_kind * %(nkinds)s)::int],
                   'SVC-' || lpad(s.g::text, 9, '0'),
                   CASE WHEN s.r_status < 0.95 THEN 'active' WHEN s.r_status < 0.98 THEN 'outage'
                        ELSE 'suspended' END,
                   CASE WHEN s.r_bill < 0.9 THEN 'paid' ELSE 'overdue' END,
                   CASE WHEN s.r_bill < 0.9 THEN 0 ELSE round((50000 + s.r_amount * 2000000)::numeric, 2) END,
                   %(cmin)s + mod(s.g - 1, %(customers)s),
                   (%(regions)s::bigint[])[1 + floor(s.r_region * %(nregions)s)::int]
            FROM (SELECT g, random() AS r_kind, random() AS r_status, random() AS r_bill,
                         random() AS r_amount, random() AS r_region
                  FROM generate_series(1, %(n)s) AS g OFFSET 0) AS s
            """,
            {
                "kinds": SERVICE_KINDS,
                "nkinds": len(SERVICE_KINDS),
                "cmin": customer_min,
                "customers": customers,
                "regions": regions,
                "nregions": len(regions),
                "n": services,
            },
        )
        cursor.execute("SELECT min(id) FROM tickets_service")
        (service_min,) = cursor.fetchone()
        timings["reference_data_s"] = time.perf_counter() - started
        log(f"{sum(count for _, count in STAFF)} staff, {customers:,} customers, {services:,} services")

        # Bulk load as a restore would do it: plain secondary indexes (the search text's trigram one
        # above all) are dropped and rebuilt once from their own definitions; the partial SLA indexes
        # stay as the migrations made them. The triggers on tickets are off only while the rows are
        # written; the history's "created" rows and the search text are then written in bulk.
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid IN ('tickets_ticket'::regclass, 'tickets_ticketsearch'::regclass)
              AND i.indpred IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname
            """
        )
        index_definitions = cursor.fetchall()
        started = time.perf_counter()
        cursor.execute("ALTER TABLE tickets_ticket DISABLE TRIGGER USER")
        try:
            for name, _definition in index_definitions:
                cursor.execute(f'DROP INDEX "{name}"')
            params = {
                "now": now,
                "spread": 3 * 86400,
                "services": services,
                "smin": service_min,
                "customers": customers,
                "cmin": customer_min,
                "phrases": PHRASES,
                "nphrases": len(PHRASES),
                "agents": staff["agent"],
                "nagents": len(staff["agent"]),
                "net_techs": members["Network Operation"],
                "nnet": len(members["Network Operation"]),
                "bill_techs": technicians[45:],
                "nbill": len(technicians[45:]),
                "care_team": teams["Customer Care"],
                "net_team": teams["Network Operation"],
                "bill_team": teams["Billing & Account"],
            }
            insert = ticket_insert_sql()
            for low in range(1, tickets + 1, CHUNK):
                cursor.execute(insert, {**params, "lo": low, "hi": min(low + CHUNK - 1, tickets)})
                log(f"tickets {min(low + CHUNK - 1, tickets):,}/{tickets:,}")
            timings["tickets_insert_s"] = time.perf_counter() - started

            started = time.perf_counter()
            cursor.execute(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_name = 'tickets_tickethistory' AND column_name NOT LIKE 'pgh\\_%%'
                ORDER BY ordinal_position
                """
            )
            columns = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
            cursor.execute(
                f"""
                INSERT INTO tickets_tickethistory (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id,
                                                   {columns})
                SELECT created_at, 'created', id, NULL, {columns} FROM tickets_ticket
                """  # noqa: S608 (column names read from the catalogue)
            )
            timings["history_insert_s"] = time.perf_counter() - started
            log("history 'created' rows written")

            # The search text the trigger on tickets (off for the load) writes for each new ticket.
            started = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO tickets_ticketsearch (ticket_id, text)
                SELECT id, concat_ws(' ', description, contact_email, contact_phone) FROM tickets_ticket
                """
            )
            timings["search_text_insert_s"] = time.perf_counter() - started
            log("search text rows written")

            started = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in index_definitions:
                cursor.execute(definition)
                log(f"index {name} rebuilt")
            cursor.execute("RESET maintenance_work_mem")
            timings["indexes_s"] = time.perf_counter() - started
        finally:
            cursor.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER USER")
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE tgenabled = 'O'), count(*)
            FROM pg_trigger WHERE tgrelid = 'tickets_ticket'::regclass AND NOT tgisinternal
            """
        )
        enabled, total = cursor.fetchone()
        if enabled != total:
            sys.exit(f"only {enabled}/{total} user triggers on tickets_ticket enabled again")
        log(f"{enabled}/{total} user triggers on tickets_ticket enabled again")

        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
        cursor.execute(f"COMMENT ON TABLE tickets_ticket IS '{DATA_MARK.format(tickets=tickets)}'")
        log("VACUUM ANALYZE done")
    return timings


def ticket_insert_sql() -> str:
    """One chunk (`lo`..`hi`) of open tickets. The randoms are drawn once per row in the inner query
    (OFFSET 0 keeps the planner from flattening it, which would draw them again at each use).

    Owners follow `ticket_create` and the dispatch action: every ticket starts in Customer Care, held by
    the agent who logged it (nobody holds a portal complaint); dispatch moves it to its category's team
    and usually to one of its technicians, else the team holds it unassigned."""
    return f"""
    INSERT INTO tickets_ticket (
        number, category, classification, channel, description, incident_at, reported_at, created_at,
        updated_at, stage, paused, paused_at, public_exposure, contact_email, contact_phone,
        service_status_checked, billing_checked, verified_service_status, verified_billing_status,
        verified_at, dispatched_at, first_response_due, first_response_risk_at, first_responded_at,
        response_sla, resolution_due, resolution_risk_at, resolution_sla, stage_due, stage_sla,
        resolved_at, first_resolved_at, confirmed_at, closed_at, close_reason, close_note,
        rejection_count, escalation_level, assignee_id, created_by_id, customer_id, duplicate_of_id,
        rca_id, service_id, team_id)
    SELECT
        {number_sql("x.scrambled")},
        x.category, x.classification, x.channel,
        (%(phrases)s::text[])[1 + floor(x.r_desc * %(nphrases)s)::int] || ' (ref ' || x.g || ')',
        x.reported_at - x.r_incident * interval '6 hours',
        x.reported_at, x.reported_at, x.reported_at,
        x.stage, x.paused,
        CASE WHEN x.paused THEN x.reported_at + (%(now)s - x.reported_at) * 0.9 END,
        x.r_public < 0.01, '', '',
        x.stage <> 'received', x.stage <> 'received',
        CASE WHEN x.stage <> 'received' THEN 'active' ELSE '' END,
        CASE WHEN x.stage <> 'received' THEN 'paid' ELSE '' END,
        CASE WHEN x.stage <> 'received' THEN x.reported_at + (%(now)s - x.reported_at) * 0.3 END,
        CASE WHEN x.stage = 'dispatched' THEN x.reported_at + (%(now)s - x.reported_at) * 0.6 END,
        -- Response clock: still running (due after now) or already met by a reply.
        CASE WHEN x.response_running THEN %(now)s + x.response_left
             ELSE x.reported_at + interval '4 hours' END,
        CASE WHEN x.response_running THEN %(now)s + x.response_left * 0.75
             ELSE x.reported_at + interval '3 hours' END,
        CASE WHEN x.response_running THEN NULL
             ELSE x.reported_at + LEAST((%(now)s - x.reported_at) * 0.2, interval '3 hours') END,
        CASE WHEN x.response_running THEN 'ok' ELSE 'met' END,
        %(now)s + x.resolution_left,
        %(now)s + x.resolution_left * 0.75,
        'ok',
        CASE WHEN x.stage = 'dispatched' THEN LEAST(%(now)s + x.stage_left, %(now)s + x.resolution_left)
             ELSE %(now)s + x.stage_left END,
        'ok',
        NULL, NULL, NULL, NULL, '', '', 0, 0,
        CASE
            WHEN x.stage = 'dispatched' AND x.r_assign < 0.85 THEN
                CASE WHEN x.category IN ('network', 'service')
                     THEN (%(net_techs)s::int[])[1 + floor(x.r_pick * %(nnet)s)::int]
                     ELSE (%(bill_techs)s::int[])[1 + floor(x.r_pick * %(nbill)s)::int] END
            WHEN x.stage = 'dispatched' THEN NULL
            ELSE x.logged_by
        END,
        x.logged_by,
        CASE WHEN x.has_service THEN %(cmin)s + mod(x.service_offset, %(customers)s)
             ELSE %(cmin)s + x.customer_offset END,
        NULL, NULL,
        CASE WHEN x.has_service THEN %(smin)s + x.service_offset END,
        CASE WHEN x.stage <> 'dispatched' THEN %(care_team)s
             WHEN x.category IN ('network', 'service') THEN %(net_team)s
             ELSE %(bill_team)s END
    FROM (
        SELECT r.*,
               CASE WHEN r.r_stage < 0.35 THEN 'received' WHEN r.r_stage < 0.60 THEN 'verified'
                    ELSE 'dispatched' END AS stage,
               CASE WHEN r.r_cat < 0.45 THEN 'network' WHEN r.r_cat < 0.65 THEN 'billing'
                    WHEN r.r_cat < 0.75 THEN 'account' ELSE 'service' END AS category,
               -- Received complaints are often not classified yet (escalation treats them as minor).
               CASE WHEN r.r_stage < 0.35 AND r.r_unclassified < 0.6 THEN ''
                    WHEN r.r_cls < 0.1 THEN 'critical' WHEN r.r_cls < 0.4 THEN 'major'
                    ELSE 'minor' END AS classification,
               -- The channel mix of bench/monthly_report.py.
               CASE WHEN r.r_channel < 0.35 THEN 'phone' WHEN r.r_channel < 0.55 THEN 'email'
                    WHEN r.r_channel < 0.75 THEN 'portal' WHEN r.r_channel < 0.80 THEN 'walk_in'
                    WHEN r.r_channel < 0.85 THEN 'social' ELSE 'whatsapp' END AS channel,
               CASE WHEN r.r_channel NOT BETWEEN 0.55 AND 0.75
                    THEN (%(agents)s::int[])[1 + floor(r.r_agent * %(nagents)s)::int] END AS logged_by,
               r.r_stage < 0.35 OR (r.r_stage < 0.60 AND r.r_resp < 0.3) OR r.r_resp < 0.1
                   AS response_running,
               r.r_pause < 0.03 AS paused
        FROM (
            SELECT g, {scrambled_sql("nextval('ticket_number_seq')")} AS scrambled,
                   random() AS r_stage, random() AS r_cat, random() AS r_cls, random() AS r_unclassified,
                   random() AS r_channel, random() AS r_agent, random() AS r_assign, random() AS r_pick,
                   random() AS r_resp, random() AS r_pause, random() AS r_public, random() AS r_incident,
                   random() AS r_desc,
                   %(now)s - (60 + random() * %(spread)s) * interval '1 second' AS reported_at,
                   floor(random() * %(services)s)::bigint AS service_offset,
                   random() < 0.8 AS has_service,
                   floor(random() * %(customers)s)::bigint AS customer_offset,
                   interval '5 minutes' + random() * interval '8 hours' AS response_left,
                   interval '1 hour' + random() * interval '5 days' AS resolution_left,
                   interval '10 minutes' + random() * interval '2 days' AS stage_left
            FROM generate_series(%(lo)s, %(hi)s) AS g
            OFFSET 0
        ) AS r
    ) AS x
    """  # noqa: S608 (the only interpolations are built from module constants)


# --- State between measurements ------------------------------------------------------------------------


def bench_now() -> dt.datetime:
    """The bench's clock T: one minute after the last report, so it is the same on every --keep run."""
    (latest,) = fetch_one("SELECT max(reported_at) FROM tickets_ticket")
    return latest.replace(microsecond=0) + dt.timedelta(minutes=1, seconds=1)


def restore_nothing_due(now: dt.datetime) -> int:
    """Put every response clock a measurement pushed into the past back in the future (the tickets keep
    their SLA events and escalations, so they are never picked again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket
            SET response_sla = 'ok',
                first_response_due = %(now)s + interval '2 hours' + mod(id, 3600) * interval '1 second',
                first_response_risk_at = %(now)s + interval '1 hour' + mod(id, 3600) * interval '1 second'
            WHERE stage IN ('received', 'verified', 'dispatched') AND first_responded_at IS NULL
              AND (response_sla IN ('at_risk', 'breached') OR first_response_due <= %(now)s
                   OR first_response_risk_at <= %(now)s)
            """,
            {"now": now},
        )
        return cursor.rowcount


def due_counts(now: dt.datetime) -> dict[str, int]:
    """What a sweep at `now` would find, with the sweep's own predicates (sla.sweep.STEPS)."""
    checks = {
        "response_breach": "response_sla IN ('ok', 'at_risk') AND NOT paused AND first_response_due <= %s",
        "resolution_breach": "resolution_sla IN ('ok', 'at_risk') AND NOT paused AND resolution_due <= %s",
        "stage_breach": "stage_sla = 'ok' AND NOT paused AND stage_due <= %s",
        "response_risk": "response_sla = 'ok' AND NOT paused AND first_response_risk_at <= %s",
        "resolution_risk": "resolution_sla = 'ok' AND NOT paused AND resolution_risk_at <= %s",
    }
    return {
        name: fetch_one(f"SELECT count(*) FROM tickets_ticket WHERE {where}", [now])[0]  # noqa: S608
        for name, where in checks.items()
    }


def pick_fresh_tickets(count: int) -> list[int]:
    """`count` random tickets with a running response clock that no earlier measurement has touched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id FROM tickets_ticket t
            WHERE t.response_sla = 'ok' AND NOT t.paused AND t.first_responded_at IS NULL
              AND t.stage IN ('received', 'verified', 'dispatched')
              AND NOT EXISTS (SELECT 1 FROM sla_slaevent e WHERE e.ticket_id = t.id)
              AND NOT EXISTS (SELECT 1 FROM escalation_escalation e WHERE e.ticket_id = t.id)
            ORDER BY random()
            LIMIT %s
            """,
            [count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) < count:
        sys.exit(f"only {len(ids)} untouched tickets left; regenerate (run without --keep)")
    return ids


def push_response_due(ids: list[int], now: dt.datetime, *, earliest: int, latest: int) -> int:
    """These tickets' first-response deadline passed `earliest`–`latest` minutes before `now`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket t
            SET response_sla = 'ok', first_response_due = v.due,
                first_response_risk_at = v.due - interval '1 hour'
            FROM (SELECT id, %(now)s - (%(earliest)s + random() * (%(latest)s - %(earliest)s))
                                         * interval '1 minute' AS due
                  FROM unnest(%(ids)s::bigint[]) AS id) AS v
            WHERE t.id = v.id
            """,
            {"now": now, "ids": ids, "earliest": earliest, "latest": latest},
        )
        return cursor.rowcount


TABLES = {
    "SLA events": "sla_slaevent",
    "escalations": "escalation_escalation",
    "notifications": "notifications_notification",
    "ticket history": "tickets_tickethistory",
}


def table_counts() -> dict[str, int]:
    return {name: fetch_one(f"SELECT count(*) FROM {table}")[0] for name, table in TABLES.items()}  # noqa: S608


def environment_facts() -> dict[str, Any]:
    facts: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for setting in (
        "server_version",
        "shared_buffers",
        "work_mem",
        "synchronous_commit",
        "max_wal_size",
        "checkpoint_timeout",
        "wal_compression",
    ):
        facts[setting] = fetch_one(f"SHOW {setting}")[0]
    facts["ticket_table"], facts["ticket_table_with_indexes"] = fetch_one(
        "SELECT pg_size_pretty(pg_relation_size('tickets_ticket')),"
        " pg_size_pretty(pg_total_relation_size('tickets_ticket'))"
    )
    return facts


# --- Children: each measurement in a fresh process -----------------------------------------------------


def timed_sweep(now: dt.datetime) -> dict[str, Any]:
    """One call of the watcher's service, as the beat task makes it, with its SQL queries captured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sla import services

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.sla_sweep(now=now)
        elapsed = time.perf_counter() - started
    # Django's log also holds the BEGIN and COMMIT of each batch's transaction (round trips too).
    statements = [q for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK")]
    # The escalation steps for later levels (the breach statements raise level 1 themselves).
    escalation_sql = [q for q in statements if "bumped AS" in q["sql"]]
    return {
        "seconds": elapsed,
        "queries": len(statements),
        "round_trips": len(queries.captured_queries),
        "statements": result.statements,
        # Database time of the statements (escalation ones apart) and of the commits; the rest of
        # `seconds` is Python, enqueueing the owed emails (one Celery message per 200) included.
        "sql_seconds": sum(float(q["time"]) for q in statements),
        "commit_seconds": sum(float(q["time"]) for q in queries.captured_queries if q["sql"] == "COMMIT"),
        "escalation_sql_seconds": sum(float(q["time"]) for q in escalation_sql),
        "marked": result.marked,
        "recorded": result.recorded,
        "escalations": result.escalations,
        "total_recorded": result.total_recorded,
        "total_escalations": result.total_escalations,
        "emails_owed": len(result.email_ids),
    }


def child_idle(now: dt.datetime, repeats: int) -> dict[str, Any]:
    from django.db import connection

    connection.ensure_connection()
    before = rss_mb()
    cold = timed_sweep(now)
    runs = [timed_sweep(now) for _ in range(repeats)]
    return {"cold": cold, "runs": runs, "rss_before_mb": before, "peak_rss_mb": rss_mb()}


def child_breach(now: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    connection.ensure_connection()
    before = rss_mb()
    first = timed_sweep(now)
    peak = rss_mb()
    return {"first": first, "second": timed_sweep(now), "rss_before_mb": before, "peak_rss_mb": peak}


def child_naive(now: dt.datetime, sample: int) -> dict[str, Any]:
    """The naive watcher: every open ticket loaded as a model and checked in Python; each changed ticket
    saved in its own transaction with the same work the sweep does: its SLA events and the escalations
    now due with their notified people, through the ORM; and at the end, for each person, one email and
    one inbox entry for what they are owed (the ordinary one for one ticket, a digest listing several),
    as the sweep writes them."""
    import pghistory
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from escalation.models import Escalation, EscalationRule
    from escalation.services import LEVEL_ROLE
    from helpdesk.lib.roles import Role
    from notifications.models import Notification, NotificationChannel
    from notifications.outbox import DIGEST_LIST
    from sla.models import SlaEvent
    from tickets.models import OPEN_STAGES, Ticket

    connection.ensure_connection()
    users = get_user_model().objects.filter(is_active=True)
    tickets = Ticket.objects.filter(stage__in=OPEN_STAGES).select_related("assignee").order_by("id")
    id_bound = None
    if sample:
        id_bound = (Ticket.objects.order_by("id").values_list("id", flat=True).first() or 0) + sample
        tickets = tickets.filter(id__lt=id_bound)
    # (target, state field, deadline field, risk field, states a breach can come from, escalation trigger)
    clocks = (
        ("response", "response_sla", "first_response_due", "first_response_risk_at", ("ok", "at_risk"),
         "response_breach"),
        ("resolution", "resolution_sla", "resolution_due", "resolution_risk_at", ("ok", "at_risk"),
         "resolution_breach"),
        ("stage", "stage_sla", "stage_due", None, ("ok",), None),
    )  # fmt: skip

    def owners(ticket: Any) -> list[Any]:
        """The assignee; else the team's supervisors; else the whole team (as `sla.sweep.OWNERS_SQL`)."""
        if ticket.assignee_id:
            return [ticket.assignee] if ticket.assignee.is_active else []
        team = users.filter(helpdesk_teams=ticket.team_id).order_by("id")
        return list(team.filter(groups__name=Role.SUPERVISOR.value)) or list(team)

    # Emails owed, gathered per person: (user, kind of email) -> [(ticket, context)]
    mail: dict[tuple[Any, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    scanned = saved = recorded = raised = 0
    save_seconds = 0.0
    started = time.perf_counter()
    with pghistory.context(via="naive_bench"):
        for ticket in tickets.iterator(chunk_size=2000):
            scanned += 1
            if ticket.paused:
                continue
            facts = []
            for target, state_field, due_field, risk_field, breach_from, trigger in clocks:
                state, due = getattr(ticket, state_field), getattr(ticket, due_field)
                if due is None:
                    continue
                if state in breach_from and due <= now:
                    setattr(ticket, state_field, "breached")
                    facts.append((target, "breached", due, trigger))
                elif risk_field and state == "ok":
                    risk = getattr(ticket, risk_field)
                    if risk is not None and risk <= now < due:
                        setattr(ticket, state_field, "at_risk")
                        facts.append((target, "at_risk", due, None))
            if not facts:
                continue
            save_started = time.perf_counter()
            with transaction.atomic():
                ticket.save()
                for target, kind, due, trigger in facts:
                    SlaEvent.objects.create(ticket=ticket, target=target, kind=kind, due=due, recorded_at=now)
                    recorded += 1
                    context = {
                        "number": ticket.number,
                        "target": target,
                        "kind": kind,
                        "due": due.isoformat(),
                    }
                    for person in owners(ticket):
                        mail.setdefault((person, ("sla", target, kind)), []).append((ticket, context))
                    if trigger is None:
                        continue
                    rules = EscalationRule.objects.filter(
                        is_active=True, trigger=trigger, classification=ticket.classification or "minor"
                    ).order_by("level")
                    for rule in rules:
                        if due + dt.timedelta(minutes=rule.delay_minutes) > now:
                            continue
                        escalation, created = Escalation.objects.get_or_create(
                            ticket=ticket, level=rule.level, reason=trigger, defaults={"raised_at": now}
                        )
                        if not created:
                            continue
                        raised += 1
                        if ticket.escalation_level < rule.level:
                            ticket.escalation_level = rule.level
                            ticket.save(update_fields=["escalation_level"])
                        people = list(users.filter(groups__name=LEVEL_ROLE[rule.level].value).order_by("id"))
                        escalation.notified.set(people)
                        context = {
                            "number": ticket.number,
                            "level": rule.level,
                            "reason": trigger,
                            "note": "",
                            "escalation_id": escalation.pk,
                        }
                        for person in people:
                            mail.setdefault((person, ("escalation", trigger, rule.level)), []).append(
                                (ticket, context)
                            )
            save_seconds += time.perf_counter() - save_started
            saved += 1
        mail_started = time.perf_counter()
        for (person, what), items in mail.items():
            if len(items) == 1:
                ticket, context = items[0]
                template = "sla_warning" if what[0] == "sla" else "escalation_raised"
                key = f"naive:{template}:{ticket.pk}:{what}:{person.pk}"
            else:
                ticket = None
                template = "sla_warning_digest" if what[0] == "sla" else "escalation_digest"
                listed = [{"number": t.number, **({"due": c["due"]} if "due" in c else {})} for t, c in items]
                context = {k: v for k, v in items[0][1].items() if k in ("target", "kind", "level", "reason")}
                context |= {"count": len(items), "tickets": listed[:DIGEST_LIST]}
                key = f"naive-digest:{template}:{items[0][0].pk}:{what}:{person.pk}"
            for channel in (NotificationChannel.EMAIL, NotificationChannel.INBOX):
                if channel == NotificationChannel.EMAIL and not person.email:
                    continue
                Notification.objects.create(
                    channel=channel,
                    recipient=person,
                    email=person.email if channel == NotificationChannel.EMAIL else "",
                    template=template,
                    context=context,
                    ticket=ticket,
                    dedupe_key=f"{key}:{channel}",
                    sent_at=now if channel == NotificationChannel.INBOX else None,
                )
        save_seconds += time.perf_counter() - mail_started
    return {
        "seconds": time.perf_counter() - started,
        "save_seconds": save_seconds,
        "scanned": scanned,
        "saved": saved,
        "recorded": recorded,
        "raised": raised,
        "id_bound": id_bound,
        "peak_rss_mb": rss_mb(),
    }


def run_child(kind: str, now: dt.datetime, **options: Any) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it reported."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out_path = Path(handle.name)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--now", now.isoformat()]
    command += ["--out", str(out_path)]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout + completed.stderr)
            sys.exit(f"child {kind} failed with exit code {completed.returncode}")
        return json.loads(out_path.read_text())
    finally:
        out_path.unlink(missing_ok=True)


def child_main(args: argparse.Namespace) -> None:
    import django

    django.setup()
    now = dt.datetime.fromisoformat(args.now)
    if args.child == "idle":
        out = child_idle(now, args.repeats)
    elif args.child == "breach":
        out = child_breach(now)
    else:
        out = child_naive(now, args.naive_sample)
    Path(args.out).write_text(json.dumps(out))


# --- Correctness ---------------------------------------------------------------------------------------


class Checks:
    """Correctness facts; any failure makes the exit code 1."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.passed = 0

    def expect(self, what: str, actual: object, expected: object) -> None:
        if actual == expected:
            self.passed += 1
        else:
            self.failures.append(f"{what}: {actual!r}, expected {expected!r}")
            log(f"CORRECTNESS FAILURE — {what}: {actual!r}, expected {expected!r}")


def check_breach_round(checks: Checks, sweep: dict[str, Any], chosen: list[int], breaches: int) -> None:
    first, second = sweep["first"], sweep["second"]
    others = {name: count for name, count in first["marked"].items() if name != "response_breached"}
    checks.expect(
        "tickets marked response-breached by the sweep", first["marked"]["response_breached"], breaches
    )
    checks.expect("other marks by the sweep", sum(others.values()), 0)
    checks.expect("SLA events the sweep reports", first["total_recorded"], breaches)
    checks.expect("escalations the sweep reports", first["escalations"].get("response_breach"), breaches)
    checks.expect(
        "breach sweep: SQL statements = SweepResult.statements", first["queries"], first["statements"]
    )
    (breached, breached_chosen) = fetch_one(
        "SELECT count(*), count(*) FILTER (WHERE id = ANY(%s)) FROM tickets_ticket"
        " WHERE response_sla = 'breached'",
        [chosen],
    )
    checks.expect("tickets stored response-breached (all)", breached, breaches)
    checks.expect("tickets stored response-breached (the chosen ones)", breached_chosen, breaches)
    (events,) = fetch_one(
        "SELECT count(*) FROM sla_slaevent"
        " WHERE ticket_id = ANY(%s) AND target = 'response' AND kind = 'breached'",
        [chosen],
    )
    checks.expect("SlaEvent rows (response, breached) for the chosen tickets", events, breaches)
    (escalated,) = fetch_one(
        "SELECT count(*) FROM escalation_escalation WHERE ticket_id = ANY(%s) AND reason = 'response_breach'",
        [chosen],
    )
    checks.expect("escalation rows for the chosen tickets", escalated, breaches)
    checks.expect("second sweep: marks", sum(second["marked"].values()), 0)
    checks.expect("second sweep: SLA events recorded", second["total_recorded"], 0)
    checks.expect("second sweep: escalations", second["total_escalations"], 0)


# --- Report --------------------------------------------------------------------------------------------


def judged(passed: bool) -> str:
    return "met" if passed else "TARGET MISSED"


def print_report(f: dict[str, Any], checks: Checks) -> None:
    idle, rounds, env = f["idle"], f["rounds"], f["environment"]
    idle_ms = [run["seconds"] * 1000 for run in idle["runs"]]
    sweep_s = [r["sweep"]["first"]["seconds"] for r in rounds]
    naive_s = [r["naive"]["full_seconds"] for r in rounds]
    peaks = [r["sweep"]["peak_rss_mb"] for r in rounds]
    ratios = [n / s for n, s in zip(naive_s, sweep_s, strict=True)]
    sampled = rounds[0]["naive"]["sampled"]

    def runs(values: list[float], fmt: str) -> str:
        return " / ".join(format(v, fmt) for v in values)

    print()
    print("=" * 110)
    print(
        f"SLA sweep bench — {f['open_tickets']:,} open tickets, {f['breaches']:,} breaches per round, "
        f"{len(rounds)} rounds; SWEEP_BATCH_SIZE {f['batch_size']}; T = {f['now']}"
    )
    print(
        f"PostgreSQL {env['server_version']} (shared_buffers {env['shared_buffers']}, "
        f"work_mem {env['work_mem']}, synchronous_commit {env['synchronous_commit']}, "
        f"max_wal_size {env['max_wal_size']}, checkpoint_timeout {env['checkpoint_timeout']}, "
        f"wal_compression {env['wal_compression']}); "
        f"Python {env['python']}; {env['cpus']} CPUs; "
        f"tickets_ticket {env['ticket_table']} heap, {env['ticket_table_with_indexes']} with indexes"
    )
    print(
        f"load average (1/5/15 min) at start {f['load_average_start']}, at end {f['load_average_end']}: "
        "other processes share the machine, so times are noisy to that extent"
    )
    print("-" * 110)
    print(f"{'measurement':<44}{'runs':<30}{'median':>12}  {'target':<11}{'result'}")
    naive_name = "naive way, as many tickets" + (" (extrapolated)" if sampled else " (whole table)")
    table = [
        (
            "sweep, nothing due",
            runs(idle_ms, ".1f") + " ms",
            f"{statistics.median(idle_ms):.1f} ms",
            f"≤ {TARGET_IDLE_SECONDS * 1000:.0f} ms",
            judged(statistics.median(idle_ms) <= TARGET_IDLE_SECONDS * 1000),
        ),
        (
            f"sweep, {f['breaches']:,} newly breached",
            runs(sweep_s, ".2f") + " s",
            f"{statistics.median(sweep_s):.2f} s",
            f"≤ {TARGET_BREACH_SECONDS:.0f} s",
            judged(statistics.median(sweep_s) <= TARGET_BREACH_SECONDS),
        ),
        (naive_name, runs(naive_s, ".1f") + " s", f"{statistics.median(naive_s):.1f} s", "", ""),
        (
            "naive / set-based (breach sweep)",
            runs(ratios, ".1f") + " ×",
            f"{f['ratio']:.1f} ×",
            f"≥ {TARGET_RATIO:.0f} ×",
            judged(f["ratio"] >= TARGET_RATIO),
        ),
        (
            "peak RSS of the sweeping process",
            runs(peaks, ".1f") + " MB",
            f"max {max(peaks):.1f} MB",
            f"≤ {TARGET_PEAK_MB:.0f} MB",
            judged(max(peaks) <= TARGET_PEAK_MB),
        ),
    ]
    for name, values, median, target, result in table:
        print(f"{name:<44}{values:<30}{median:>12}  {target:<11}{result}")
    print("-" * 110)
    cold = idle["cold"]
    print(
        f"nothing due: cold first sweep in its process {cold['seconds'] * 1000:.1f} ms; "
        f"{idle['runs'][0]['queries']} SQL statements per sweep whatever the table size (one per step of "
        f"sla.sweep.STEPS and per escalation trigger; {idle['runs'][0]['round_trips']} round trips with "
        "each batch's BEGIN and COMMIT); nothing recorded"
    )
    middle = sorted(rounds, key=lambda r: r["sweep"]["first"]["seconds"])[len(rounds) // 2]
    first = middle["sweep"]["first"]
    print(
        f"breach sweep (median round): {first['queries']} SQL statements (one more per "
        f"{f['batch_size']} due tickets per step); database time {first['sql_seconds']:.2f} s, "
        "of which marking statements (with level 1 raised in the same statement) "
        f"{first['sql_seconds'] - first['escalation_sql_seconds']:.2f} s and later-level escalation "
        f"statements {first['escalation_sql_seconds']:.2f} s; commits "
        f"{first['commit_seconds']:.2f} s; the remaining "
        f"{first['seconds'] - first['sql_seconds'] - first['commit_seconds']:.2f} s in Python "
        f"(enqueueing the {first['emails_owed']:,} emails owed included)"
    )
    print(
        "  rows written: " + ", ".join(f"{name} +{count:,}" for name, count in middle["rows_written"].items())
    )
    second_ms = [r["sweep"]["second"]["seconds"] * 1000 for r in rounds]
    print(
        f"sweep again right after (the {f['breaches']:,} breached tickets already escalated): "
        f"{runs(second_ms, '.1f')} ms; recorded and escalated nothing"
    )
    naive = middle["naive"]
    scope = (
        f"the first {naive['scanned']:,} open tickets by id, time ×{naive['factor']:.1f} for all "
        f"{f['open_tickets']:,}"
        if sampled
        else f"all {naive['scanned']:,} open tickets"
    )
    print(
        f"naive way (median round): scanned {scope}; {naive['seconds']:.1f} s measured, of which "
        f"{naive['save_seconds']:.1f} s saving {naive['saved']:,} tickets with their events, warnings and "
        f"{naive['raised']:,} escalations (the rest is the scan, which it pays every minute even when "
        "nothing is due)"
    )
    print(
        "  rows written the naive way: "
        + ", ".join(f"{name} +{count:,}" for name, count in naive["rows_written"].items())
    )
    print(
        f"memory: ru_maxrss of the sweeping child, which was {middle['sweep']['rss_before_mb']:.1f} MB "
        f"before the sweep (Django loaded, connected); idle child peak {idle['peak_rss_mb']:.1f} MB"
    )
    print("-" * 110)
    if checks.failures:
        print(f"CORRECTNESS: {len(checks.failures)} check(s) FAILED, {checks.passed} passed:")
        for failure in checks.failures:
            print(f"  - {failure}")
    else:
        print(
            f"correctness: all {checks.passed} checks passed (each round: exactly {f['breaches']:,} tickets "
            "marked and stored breached, as many SlaEvent and escalation rows, a second sweep records "
            "nothing, the query counts; nothing due before each measurement; the naive way saved exactly "
            "the breached tickets)"
        )
    print("=" * 110)
    print(f"figures written to {RESULTS_PATH.relative_to(ROOT)}")


# --- Main ----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open tickets (default 1,000,000)")
    parser.add_argument("--breaches", type=int, default=10_000, help="tickets breached per round (10,000)")
    parser.add_argument("--customers", type=int, default=50_000, help="customers (default 50,000)")
    parser.add_argument("--rounds", type=int, default=3, help="breach + naive rounds (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="timed sweeps with nothing due (default 3)")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=0,
        help="check only the first N tickets the naive way and extrapolate linearly (default 0: all)",
    )
    parser.add_argument("--keep", action="store_true", help="reuse the generated data if the count matches")
    parser.add_argument("--database-url", default=None)
    # Internal: one measurement in a child process.
    parser.add_argument("--child", choices=["idle", "breach", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


def prepare_data(url: str, args: argparse.Namespace) -> dict[str, float] | str:
    """Reuse the data (--keep, same generator and count) or recreate, migrate and generate them."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    if args.keep and database_exists(url):
        call_command("migrate", verbosity=0)
        (mark,) = fetch_one("SELECT obj_description('tickets_ticket'::regclass, 'pg_class')")
        if mark == DATA_MARK.format(tickets=args.tickets):
            print("--keep: reusing the generated data", flush=True)
            return "reused (--keep)"
        print(f"--keep: the database holds other data ({mark!r}); regenerating", flush=True)
        connections.close_all()
    recreate_database(url)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    timings |= generate(tickets=args.tickets, customers=args.customers, now=now)
    timings["generate_s"] = time.perf_counter() - started
    print(
        f"generated in {timings['generate_s']:.0f} s: {json.dumps({k: round(v) for k, v in timings.items()})}"
    )
    return timings


def main() -> None:
    args = parse_args()
    if args.child:
        child_main(args)
        return
    url = database_url(args.database_url)
    configure_environment(url)
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"SLA sweep bench on {urlparse(url).path.lstrip('/')} ({args.tickets:,} tickets)", flush=True)
    generation = prepare_data(url, args)

    from django.conf import settings

    checks = Checks()
    now = bench_now()
    restored = restore_nothing_due(now)
    if restored:
        log(f"{restored:,} response clocks left in the past by an interrupted run put back in the future")
    if generation == "reused (--keep)":
        # Earlier runs left dead rows (each round updates ~40,000 tickets); start from the state
        # autovacuum would keep a production table in, so that --keep runs compare.
        from django.db import connection

        with connection.cursor() as cursor:
            for table in ("tickets_ticket", *TABLES.values()):
                cursor.execute(f"VACUUM ANALYZE {table}")
        log("VACUUM ANALYZE of the tables the sweep writes")
    (open_tickets,) = fetch_one(
        "SELECT count(*) FROM tickets_ticket WHERE stage IN ('received', 'verified', 'dispatched')"
    )
    environment = environment_facts()

    from escalation.sweep import TRIGGER_COLUMNS
    from sla.sweep import STEPS

    # With nothing due each step and each escalation trigger is one statement, whatever the table size;
    # each batch of due tickets adds one to its step (and to its trigger).
    idle_queries = len(STEPS) + len(TRIGGER_COLUMNS)
    batch = int(settings.HELPDESK["SWEEP_BATCH_SIZE"])
    # Level 1 is raised by the breach statements themselves (no delay in the seeded rules), so only the
    # response-breach step adds statements.
    breach_queries = idle_queries + args.breaches // batch

    log("sweep with nothing due")
    checks.expect("tickets due before the idle sweep", sum(due_counts(now).values()), 0)
    idle = run_child("idle", now, repeats=args.repeats)
    for run in [idle["cold"], *idle["runs"]]:
        done = run["total_recorded"] + run["total_escalations"] + sum(run["marked"].values())
        checks.expect("idle sweep: marks, SLA events and escalations", done, 0)
        checks.expect("idle sweep: SQL statements", run["queries"], idle_queries)
        checks.expect(
            "idle sweep: SQL statements = SweepResult.statements", run["queries"], run["statements"]
        )

    rounds = []
    for number in range(1, args.rounds + 1):
        log(f"round {number}: {args.breaches:,} first-response deadlines pass")
        chosen = pick_fresh_tickets(args.breaches)
        checks.expect("tickets moved", push_response_due(chosen, now, earliest=1, latest=10), args.breaches)
        due = due_counts(now)
        checks.expect("tickets due before the breach sweep", due["response_breach"], args.breaches)
        before = table_counts()
        sweep = run_child("breach", now)
        after = table_counts()
        rows_written = {name: after[name] - before[name] for name in after}
        check_breach_round(checks, sweep, chosen, args.breaches)
        checks.expect("breach sweep: SQL statements", sweep["first"]["queries"], breach_queries)
        log(
            f"round {number}: sweep {sweep['first']['seconds']:.2f} s, "
            f"{sweep['first']['queries']} statements, notifications +{rows_written['notifications']:,}; "
            "the naive way on as many other tickets"
        )
        # As many other untouched tickets for the naive way: the sweep's tickets already hold their
        # escalations, which are once-only, and the naive way must do the same work.
        others = pick_fresh_tickets(args.breaches)
        push_response_due(others, now, earliest=1, latest=10)
        before = table_counts()
        naive = run_child("naive", now, naive_sample=args.naive_sample)
        after = table_counts()
        naive["rows_written"] = {name: after[name] - before[name] for name in after}
        naive["sampled"] = naive["id_bound"] is not None and naive["scanned"] < open_tickets
        naive["factor"] = open_tickets / naive["scanned"] if naive["sampled"] else 1.0
        naive["full_seconds"] = naive["seconds"] * naive["factor"]
        expected_saved = (
            sum(1 for ticket_id in others if ticket_id < naive["id_bound"])
            if naive["sampled"]
            else args.breaches
        )
        checks.expect("naive way: tickets saved", naive["saved"], expected_saved)
        checks.expect("naive way: SLA events recorded", naive["recorded"], expected_saved)
        checks.expect("naive way: escalations raised", naive["raised"], expected_saved)
        if not naive["sampled"]:
            # Same kind of tickets, same owners and supervisors: the same rows, written the naive way.
            for table in ("SLA events", "escalations", "ticket history"):
                checks.expect(
                    f"naive way: {table} rows = the sweep's",
                    naive["rows_written"][table],
                    rows_written[table] * (2 if table == "ticket history" else 1),
                )
        log(f"round {number}: naive {naive['seconds']:.1f} s over {naive['scanned']:,} tickets")
        restore_nothing_due(now)
        checks.expect("tickets due after the round", sum(due_counts(now).values()), 0)
        rounds.append({"chosen": len(chosen), "sweep": sweep, "rows_written": rows_written, "naive": naive})

    sweep_median = statistics.median(r["sweep"]["first"]["seconds"] for r in rounds)
    naive_median = statistics.median(r["naive"]["full_seconds"] for r in rounds)
    figures = {
        "tickets": args.tickets,
        "open_tickets": open_tickets,
        "breaches": args.breaches,
        "now": now.isoformat(),
        "batch_size": batch,
        "generation": generation,
        "environment": environment,
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "idle": idle,
        "rounds": rounds,
        "ratio": naive_median / sweep_median,
        "correctness_failures": checks.failures,
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(figures, indent=2, default=str))
    print_report(figures, checks)
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
