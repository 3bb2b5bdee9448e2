#!/usr/bin/env python
"""Benchmark of the SLA watcher (`sla.sweep.run_sweep`) on a large table of open tickets.

Prints figures; it is not a test. What it measures, on its own database (never the development one):

1. A sweep with nothing due: wall time (first run in a fresh process, then best and median of the
   repeats), `SweepResult.statements` and the SQL queries actually sent (counted with
   `connection.execute_wrapper`).
2. A sweep right after exactly `--breaches` tickets' first-response deadlines passed: wall time, queries,
   rows marked and recorded, escalations raised; then a second sweep, which must record nothing new.
3. The peak memory of the process doing the sweep: each sweep runs in a fresh child process, which
   reports its `ru_maxrss`; a separate traced run reports the `tracemalloc` peak.
4. The same work done the naive way (load every open ticket, check its deadlines in Python, `save()` each
   breached one and create its `SlaEvent`), for the ratio naive / set-based.

Data are generated inside PostgreSQL (`INSERT … SELECT FROM generate_series`), ticket numbers included:
they come from `ticket_number_seq` through the same scramble, base-32 and Luhn check as
`helpdesk.lib.ticket_numbers.encode`, checked against it before any row is written. The history triggers
are disabled only while the bulk rows are written (their "created" rows are then written in bulk too) and
enabled again before anything is measured.

    .venv/bin/python bench/sla_sweep.py                     # 1,000,000 tickets, 10,000 breaches
    .venv/bin/python bench/sla_sweep.py --keep              # reuse the generated tickets
    .venv/bin/python bench/sla_sweep.py --tickets 100000 --breaches 1000 --naive-sample 20000

The database is `--database-url`, else $BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla. $DATABASE_URL is deliberately not read: the
script drops and recreates its database, and must never do that to the development one.
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
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla"
RESULTS_PATH = ROOT / "bench" / "results" / "sla_sweep.json"

TARGET_IDLE_SECONDS = 0.2
TARGET_BREACH_SECONDS = 10.0
TARGET_PEAK_MB = 300.0
TARGET_RATIO = 50.0

OPEN_STAGES = ("received", "verified", "dispatched")
CHUNK = 100_000  # tickets per INSERT statement (keeps the deferred FK-check queue small)

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
CHANNELS = ["phone", "email", "portal", "walk_in", "social", "whatsapp"]
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


# --- Environment ---------------------------------------------------------------------------------------


def database_url(explicit: str | None) -> str:
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        # The script drops and recreates this database.
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    return url


def configure_environment(url: str) -> None:
    """Settings for parent and children alike (children inherit the environment)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.base"
    os.environ["DEBUG"] = "False"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Emails owed by the sweep are enqueued after commit; keep them in this process, away from any
    # real broker whose workers would look the ids up in another database.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["REDIS_URL"] = ""


def setup_django() -> None:
    import django

    django.setup()


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
    name = urlparse(url).path.lstrip("/")
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate_database(url: str) -> None:
    from psycopg2 import sql

    name = urlparse(url).path.lstrip("/")
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# --- Ticket numbers in SQL -----------------------------------------------------------------------------


def number_sql(seq: str) -> str:
    """A SQL expression giving `ticket_numbers.encode(<seq>)` (checked against it before use)."""
    from helpdesk.lib import ticket_numbers as tn

    # Same affine bijection as encode(); numeric so that no product can overflow bigint.
    scrambled = f"(mod(({seq})::numeric * {tn._MULTIPLIER} + {tn._OFFSET}, {tn.SPACE}))::bigint"
    shift = [5 * (tn.DATA_LENGTH - 1 - k) for k in range(tn.DATA_LENGTH)]
    digits = [f"((({scrambled}) >> {s}) & 31)::int" for s in shift]
    # Luhn mod 32 as in _luhn_check_symbol: factor 2 on the last data digit, then alternating.
    terms = []
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            terms.append(f"(2 * {digit}) / 32 + mod(2 * {digit}, 32)")
        else:
            terms.append(digit)
    check = f"mod(32 - mod({' + '.join(terms)}, 32), 32)"
    chars = [f"substr('{tn.ALPHABET}', {d} + 1, 1)" for d in [*digits, check]]
    return " || ".join([*chars[:4], "'-'", *chars[4:]])


def check_number_sql(cursor: Any) -> int:
    """Compare the SQL expression with the Python encoder on a spread of sequence values."""
    from helpdesk.lib import ticket_numbers

    values = [1, 2, 31, 32, 999, 1000, 1001, 65_535, 1_000_000, 1_234_567, 33_554_431, 987_654_321]
    values += list(range(1000, 1000 + 2000, 7))
    cursor.execute(
        f"SELECT v, {number_sql('v')} FROM unnest(%s::bigint[]) AS v",  # noqa: S608 (constants only)
        [values],
    )
    for value, number in cursor.fetchall():
        expected = ticket_numbers.encode(value)
        if number != expected:
            raise SystemExit(f"ticket number SQL disagrees with encode({value}): {number} != {expected}")
    return len(values)


# --- Generation ----------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def generate(*, tickets: int, customers: int, now: dt.datetime) -> dict[str, float]:
    """Staff, customers, services and `tickets` open tickets, all generated inside PostgreSQL, with
    every running deadline after `now` (nothing due)."""
    from django.db import connection

    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        checked = check_number_sql(cursor)
        log(f"ticket-number SQL matches helpdesk.lib.ticket_numbers.encode on {checked} values")

        cursor.execute("SELECT id FROM tickets_region ORDER BY id")
        regions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name, id FROM tickets_team")
        teams = dict(cursor.fetchall())
        cursor.execute("SELECT name, id FROM auth_group")
        groups = dict(cursor.fetchall())

        # Staff (unusable passwords), their groups and teams.
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
        cursor.execute("SELECT min(id), max(id) FROM tickets_customer")
        customer_min, customer_max = cursor.fetchone()
        assert customer_max - customer_min + 1 == customers

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
        cursor.execute("SELECT min(id), max(id) FROM tickets_service")
        service_min, service_max = cursor.fetchone()
        assert service_max - service_min + 1 == services
        timings["reference_data_s"] = time.perf_counter() - started
        log(f"{sum(c for _, c in STAFF)} staff, {customers:,} customers, {services:,} services")

        # Bulk load: plain secondary indexes (the trigram one above all) are rebuilt once at the end from
        # their own definitions; the partial SLA indexes are kept as the migrations made them (a rebuilt
        # predicate deparses differently) and filled row by row. History triggers are off only while
        # the rows are written.
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'tickets_ticket'::regclass AND i.indpred IS NULL
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
            insert = ticket_insert_sql()
            params = {
                "now": now,
                "spread": 3 * 86400,
                "services": services,
                "smin": service_min,
                "customers": customers,
                "cmin": customer_min,
                "phrases": PHRASES,
                "nphrases": len(PHRASES),
                "channels": CHANNELS,
                "nchannels": len(CHANNELS),
                "agents": staff["agent"],
                "nagents": len(staff["agent"]),
                "net_techs": technicians[:45],
                "nnet": 45,
                "bill_techs": technicians[45:],
                "nbill": len(technicians) - 45,
                "net_team": teams["Network Operation"],
                "bill_team": teams["Billing & Account"],
            }
            for low in range(1, tickets + 1, CHUNK):
                high = min(low + CHUNK - 1, tickets)
                cursor.execute(insert, {**params, "lo": low, "hi": high})
                log(f"tickets {high:,}/{tickets:,}")
            timings["tickets_insert_s"] = time.perf_counter() - started

            # The "created" history rows the insert trigger would have written.
            started = time.perf_counter()
            cursor.execute(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_name = 'tickets_tickethistory' AND column_name NOT LIKE 'pgh\\_%%'
                ORDER BY ordinal_position
                """
            )
            columns = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
            cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
            ticket_min, ticket_max = cursor.fetchone()
            for low in range(ticket_min, ticket_max + 1, CHUNK * 2):
                cursor.execute(
                    f"""
                    INSERT INTO tickets_tickethistory
                        (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {columns})
                    SELECT created_at, 'created', id, NULL, {columns} FROM tickets_ticket
                    WHERE id BETWEEN %s AND %s
                    """,  # noqa: S608 (column names read from the catalogue)
                    [low, low + CHUNK * 2 - 1],
                )
            timings["history_insert_s"] = time.perf_counter() - started
            log("history 'created' rows written")

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
        assert enabled == total, "history triggers not re-enabled"
        log(f"{enabled}/{total} user triggers on tickets_ticket enabled again")
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = 'tickets_ticket'::regclass AND i.indpred IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """
        )
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(d for _, d in index_definitions)

        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
        log("VACUUM ANALYZE done")
    return timings


def ticket_insert_sql() -> str:
    """One chunk (`lo`..`hi`) of open tickets. Randoms are drawn once per row in the inner query (OFFSET 0
    keeps the planner from flattening it, which would draw them again per use)."""
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
        {number_sql("x.seq")},
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
        -- Response clock: running (due after now) or already met by a reply.
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
            WHEN x.stage <> 'dispatched' AND x.r_assign < 0.3 THEN
                (%(agents)s::int[])[1 + floor(x.r_pick * %(nagents)s)::int]
        END,
        NULL,
        CASE WHEN x.has_service THEN %(cmin)s + mod(x.service_offset, %(customers)s)
             ELSE %(cmin)s + x.customer_offset END,
        NULL, NULL,
        CASE WHEN x.has_service THEN %(smin)s + x.service_offset END,
        CASE WHEN x.stage = 'dispatched' THEN
            CASE WHEN x.category IN ('network', 'service') THEN %(net_team)s ELSE %(bill_team)s END
        END
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
               (%(channels)s::text[])[1 + floor(r.r_channel * %(nchannels)s)::int] AS channel,
               r.r_stage < 0.35 OR (r.r_stage < 0.60 AND r.r_resp < 0.3) OR r.r_resp < 0.1
                   AS response_running,
               r.r_pause < 0.03 AS paused
        FROM (
            SELECT g, nextval('ticket_number_seq') AS seq,
                   random() AS r_stage, random() AS r_cat, random() AS r_cls, random() AS r_unclassified,
                   random() AS r_channel, random() AS r_assign, random() AS r_pick, random() AS r_resp,
                   random() AS r_pause, random() AS r_public, random() AS r_incident, random() AS r_desc,
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
    """  # noqa: S608 (the only interpolation is number_sql, built from module constants)


# --- State between measurements ------------------------------------------------------------------------


def bench_now() -> dt.datetime:
    """The bench's "now": one minute after the last report time, so it is the same on every --keep run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(reported_at) FROM tickets_ticket")
        (latest,) = cursor.fetchone()
    return latest.replace(microsecond=0) + dt.timedelta(minutes=1, seconds=1)


def restore_nothing_due(now: dt.datetime) -> int:
    """Put every response clock that a previous measurement pushed into the past back in the future."""
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
    """What a sweep at `now` would find, with the sweep's own predicates."""
    from django.db import connection

    checks = {
        "response_breach": "response_sla IN ('ok', 'at_risk') AND NOT paused AND first_response_due <= %s",
        "resolution_breach": "resolution_sla IN ('ok', 'at_risk') AND NOT paused AND resolution_due <= %s",
        "stage_breach": "stage_sla = 'ok' AND NOT paused AND stage_due <= %s",
        "response_risk": "response_sla = 'ok' AND NOT paused AND first_response_risk_at <= %s",
        "resolution_risk": "resolution_sla = 'ok' AND NOT paused AND resolution_risk_at <= %s",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, where in checks.items():
            cursor.execute(f"SELECT count(*) FROM tickets_ticket WHERE {where}", [now])  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def pick_fresh_tickets(count: int) -> list[int]:
    """`count` tickets with a running response clock that no earlier measurement has touched."""
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
        raise SystemExit(f"only {len(ids)} untouched tickets left; regenerate (run without --keep)")
    return ids


def push_response_due(ids: list[int], now: dt.datetime, *, earliest: int, latest: int) -> int:
    """One UPDATE: these tickets' first-response deadline passed between `latest` and `earliest`
    minutes before `now` (their risk point an hour before that)."""
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


def table_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "sla_events": "sla_slaevent",
        "escalations": "escalation_escalation",
        "notifications": "escalation_notification",
        "ticket_history": "tickets_tickethistory",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant names)
            counts[name] = cursor.fetchone()[0]
    return counts


def environment_facts() -> dict[str, Any]:
    from django.db import connection

    facts: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts["postgres"] = cursor.fetchone()[0]
        for setting in ("shared_buffers", "work_mem", "synchronous_commit"):
            cursor.execute(f"SHOW {setting}")
            facts[setting] = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT pg_size_pretty(pg_relation_size('tickets_ticket')),
                   pg_size_pretty(pg_total_relation_size('tickets_ticket')),
                   pg_size_pretty(pg_total_relation_size('tickets_tickethistory'))
            """
        )
        facts["ticket_table"], facts["ticket_table_with_indexes"], facts["history_table"] = cursor.fetchone()
        cursor.execute(
            """
            SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_class c WHERE c.relname IN ('ticket_response_breach_due', 'ticket_response_risk_due',
                'ticket_resolution_breach_due', 'ticket_resolution_risk_due', 'ticket_stage_breach_due')
            ORDER BY c.relname
            """
        )
        facts["partial_indexes"] = dict(cursor.fetchall())
    facts["python"] = platform.python_version()
    facts["cpus"] = os.cpu_count()
    facts["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return facts


# --- Children: each measurement in a fresh process -----------------------------------------------------


class QueryCounter:
    """`connection.execute_wrapper` that counts the statements sent and keeps them for EXPLAIN."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds: list[float] = []
        self.captured: list[tuple[str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        # Copy: pghistory's inner wrapper adds its context variables to the same dict.
        self.captured.append((sql, dict(params) if isinstance(params, dict) else params))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds.append(time.perf_counter() - started)


def timed_sweep(now: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    from sla.sweep import run_sweep

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = run_sweep(now=now)
        elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "queries": counter.count,
        "statements": result.statements,
        "marked": result.marked,
        "recorded": result.recorded,
        "total_recorded": result.total_recorded,
        "escalations": result.escalations,
        "total_escalations": result.total_escalations,
        "emails_enqueued": len(result.email_ids),
        # Time spent waiting for the database, per statement; the rest is Python and commits.
        "sql_seconds": [round(seconds, 4) for seconds in counter.seconds],
        "_captured": counter.captured,
    }


def explain(captured: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of a sweep, rolled back (they write)."""
    from django.db import connection, transaction

    plans = []
    for sql, params in captured:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        top = next((line for line in lines if "Execution Time" in line), "")
        plans.append({"statement": " ".join(sql.split())[:160], "execution": top.strip(), "plan": lines})
    return plans


def child_idle(now: dt.datetime, repeats: int, with_explain: bool) -> dict[str, Any]:
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    baseline = rss_mb()
    first = timed_sweep(now)
    runs = [timed_sweep(now) for _ in range(repeats)]
    peak = rss_mb()  # before tracemalloc, whose own bookkeeping would inflate it
    tracemalloc.start()
    traced = timed_sweep(now)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds = [run["seconds"] for run in runs]
    out = {
        "first_seconds": first["seconds"],
        "seconds": seconds,
        "best_seconds": min(seconds),
        "median_seconds": statistics.median(seconds),
        "queries": runs[-1]["queries"],
        "statements": runs[-1]["statements"],
        "total_recorded": sum(run["total_recorded"] for run in [first, *runs, traced]),
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "tracemalloc_peak_mb": traced_peak / 2**20,
        "traced_seconds": traced["seconds"],
    }
    if with_explain:
        out["explain"] = explain(runs[-1]["_captured"])
    return out


def child_breach(now: dt.datetime, traced: bool) -> dict[str, Any]:
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    baseline = rss_mb()
    if traced:
        tracemalloc.start()
    first = timed_sweep(now)
    traced_peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    peak = rss_mb()
    second = timed_sweep(now)
    first.pop("_captured")
    second.pop("_captured")
    return {
        "first": first,
        "second": second,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "tracemalloc_peak_mb": traced_peak / 2**20,
    }


def child_naive(now: dt.datetime, sample: int) -> dict[str, Any]:
    """The naive watcher: every open ticket loaded as a model, checked in Python, saved if it changed."""
    import pghistory
    from django.db import connection, transaction

    from sla.models import SlaEvent
    from tickets.models import OPEN_STAGES as MODEL_OPEN_STAGES
    from tickets.models import Ticket

    connection.ensure_connection()
    baseline = rss_mb()
    tickets = Ticket.objects.filter(stage__in=MODEL_OPEN_STAGES).order_by("id")
    if sample:
        first_id = Ticket.objects.order_by("id").values_list("id", flat=True).first() or 0
        tickets = tickets.filter(id__lt=first_id + sample)
    clocks = (
        ("response", "response_sla", "first_response_due", "first_response_risk_at"),
        ("resolution", "resolution_sla", "resolution_due", "resolution_risk_at"),
        ("stage", "stage_sla", "stage_due", None),
    )
    scanned = saved = recorded = 0
    save_seconds = 0.0
    started = time.perf_counter()
    with pghistory.context(via="naive_bench"):
        for ticket in tickets.iterator(chunk_size=2000):
            scanned += 1
            if ticket.paused:
                continue
            facts = []
            for target, state_field, due_field, risk_field in clocks:
                state, due = getattr(ticket, state_field), getattr(ticket, due_field)
                if due is None:
                    continue
                breach_from = ("ok",) if target == "stage" else ("ok", "at_risk")
                if state in breach_from and due <= now:
                    setattr(ticket, state_field, "breached")
                    facts.append((target, "breached", due))
                elif risk_field and state == "ok":
                    risk = getattr(ticket, risk_field)
                    if risk is not None and risk <= now < due:
                        setattr(ticket, state_field, "at_risk")
                        facts.append((target, "at_risk", due))
            if facts:
                save_started = time.perf_counter()
                with transaction.atomic():
                    ticket.save()
                    for target, kind, due in facts:
                        SlaEvent.objects.create(
                            ticket=ticket, target=target, kind=kind, due=due, recorded_at=now
                        )
                save_seconds += time.perf_counter() - save_started
                saved += 1
                recorded += len(facts)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "save_seconds": save_seconds,
        "scanned": scanned,
        "saved": saved,
        "recorded": recorded,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": rss_mb(),
    }


def run_child(kind: str, now: dt.datetime, **options: Any) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it reported."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out_path = handle.name
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--now", now.isoformat()]
    command += ["--out", out_path]
    for key, value in options.items():
        if value is True:
            command.append(f"--{key.replace('_', '-')}")
        elif value not in (None, False):
            command += [f"--{key.replace('_', '-')}", str(value)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout + completed.stderr)
            raise SystemExit(f"child {kind} failed with exit code {completed.returncode}")
        return json.loads(Path(out_path).read_text())
    finally:
        Path(out_path).unlink(missing_ok=True)


def child_main(args: argparse.Namespace) -> None:
    setup_django()
    now = dt.datetime.fromisoformat(args.now)
    if args.child == "idle":
        out = child_idle(now, args.repeats, args.explain)
    elif args.child == "breach":
        out = child_breach(now, args.traced)
    else:
        out = child_naive(now, args.naive_sample)
    Path(args.out).write_text(json.dumps(out, default=str))


# --- Report --------------------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def print_report(figures: dict[str, Any]) -> None:
    idle, breach, second = figures["idle"], figures["breach"]["first"], figures["breach"]["second"]
    naive = figures["naive"]
    env = figures["environment"]
    print()
    print("=" * 100)
    print(f"SLA sweep benchmark — {figures['tickets']:,} open tickets, {figures['breaches']:,} breaches")
    print(f"bench now (T) = {figures['now']}; batch size {figures['batch_size']}")
    print(
        f"PostgreSQL {env['postgres']} (shared_buffers {env['shared_buffers']}, work_mem {env['work_mem']},"
        f" synchronous_commit {env['synchronous_commit']}); Python {env['python']}; {env['cpus']} CPUs"
    )
    print(
        f"tickets_ticket {env['ticket_table']} heap, {env['ticket_table_with_indexes']} with indexes; "
        f"history {env['history_table']}"
    )
    print(
        f"load average at start {figures['load_average_start']}, at end {figures['load_average_end']} — "
        "a shared 2-core machine (other engineers' test runs); figures are noisy to that extent"
    )
    print("-" * 100)
    print("1. Sweep, nothing due")
    print(
        f"   first run (fresh process) {idle['first_seconds'] * 1000:8.1f} ms; "
        f"repeats {', '.join(f'{s * 1000:.1f}' for s in idle['seconds'])} ms"
    )
    print(
        f"   best {idle['best_seconds'] * 1000:.1f} ms, median {idle['median_seconds'] * 1000:.1f} ms; "
        f"statements (SweepResult) {idle['statements']}, SQL queries sent {idle['queries']}; "
        f"recorded {idle['total_recorded']}"
    )
    for plan in idle.get("explain", []):
        print(f"     {plan['execution']:<32} {plan['statement'][:60]}")
    if figures["show_plans"]:
        for plan in idle.get("explain", []):
            print()
            print(f"   EXPLAIN (ANALYZE, BUFFERS) of: {plan['statement'][:90]}")
            for line in plan["plan"]:
                print(f"     {line}")
        print()
    print("2. Sweep after breaches")
    print(
        f"   {breach['seconds']:.3f} s; statements {breach['statements']}, queries {breach['queries']}; "
        f"emails enqueued {breach['emails_enqueued']:,}"
    )
    print(f"   marked   {breach['marked']}")
    print(f"   recorded {breach['recorded']}")
    print(f"   escalations {breach['escalations']}")
    rows = figures["breach"]["rows_written"]
    print(
        "   rows written: "
        + ", ".join(f"{name} +{value:,}" for name, value in rows.items())
        + f"; response-breach SlaEvents for the chosen tickets: {figures['breach']['events_for_chosen']:,}"
    )
    print(
        f"   second sweep right after: {second['seconds'] * 1000:.1f} ms, "
        f"recorded {second['total_recorded']}, "
        f"escalations {second['total_escalations']}, queries {second['queries']} — "
        + (
            "nothing new, as it should"
            if second["total_recorded"] == second["total_escalations"] == 0
            else "NOT idempotent"
        )
    )
    print("3. Memory of the sweeping process (fresh child per measurement)")
    print(
        f"   idle:   ru_maxrss {idle['peak_rss_mb']:.1f} MB "
        f"(after django.setup {idle['baseline_rss_mb']:.1f} MB), "
        f"tracemalloc peak {idle['tracemalloc_peak_mb']:.2f} MB"
    )
    print(
        f"   breach: ru_maxrss {figures['breach']['peak_rss_mb']:.1f} MB "
        f"(after django.setup {figures['breach']['baseline_rss_mb']:.1f} MB); tracemalloc peak "
        f"{figures['breach_traced']['tracemalloc_peak_mb']:.2f} MB (separate traced run on another "
        f"{figures['breaches']:,} tickets, "
        f"{figures['breach_traced']['first']['seconds']:.3f} s under tracemalloc)"
    )
    print("4. Naive way (iterate open tickets as models, check in Python, save() + SlaEvent.create)")
    scope = (
        f"a sample of {naive['scanned']:,} open tickets, extrapolated linearly ×{naive['factor']:.2f} to "
        f"{figures['open_tickets']:,}"
        if naive["sampled"]
        else f"all {naive['scanned']:,} open tickets (full run, no extrapolation)"
    )
    print(f"   scope: {scope}")
    print(
        f"   measured {naive['seconds']:.1f} s ({naive['save_seconds']:.1f} s in saves), "
        f"saved {naive['saved']:,}, "
        f"recorded {naive['recorded']:,}; ru_maxrss {naive['peak_rss_mb']:.1f} MB"
    )
    print(
        f"   full-table estimate {naive['full_seconds']:.1f} s — it does less than the sweep "
        "(no warnings, no escalations), so the ratio is conservative"
    )
    print("-" * 100)
    print(f"{'target':<46}{'measured':>18}{'target':>16}{'':>4}{'result':>8}")
    for row in figures["targets"]:
        print(f"{row['name']:<46}{row['measured']:>18}{row['target']:>16}{'':>4}{row['result']:>8}")
    print("=" * 100)
    print(f"figures written to {RESULTS_PATH.relative_to(ROOT)}")


# --- Main ----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open tickets (default 1,000,000)")
    parser.add_argument("--breaches", type=int, default=10_000, help="tickets breached (default 10,000)")
    parser.add_argument("--customers", type=int, default=50_000, help="customers (default 50,000)")
    parser.add_argument("--keep", action="store_true", help="reuse generated data if the count matches")
    parser.add_argument("--repeats", type=int, default=3, help="timed idle sweeps after the first")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=0,
        help="check only the first N tickets the naive way and extrapolate (default 0: all)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the plans of the idle statements (always printed when that target fails)",
    )
    parser.add_argument("--database-url", default=None)
    # Internal: a measurement run in a child process.
    parser.add_argument("--child", choices=["idle", "breach", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.child:
        child_main(args)
        return
    url = database_url(args.database_url)
    configure_environment(url)
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"SLA sweep bench on {urlparse(url).path.lstrip('/')} ({args.tickets:,} tickets)", flush=True)

    reuse = False
    if not database_exists(url):
        recreate_database(url)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    generation: dict[str, float] = {}
    if args.keep:
        call_command("migrate", verbosity=0)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket")
            reuse = cursor.fetchone()[0] == args.tickets
        print(f"--keep: {'reusing' if reuse else 'count differs, regenerating'} the generated data")
    if not reuse:
        connections.close_all()
        recreate_database(url)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        generation["migrate_s"] = time.perf_counter() - started
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        started = time.perf_counter()
        generation |= generate(tickets=args.tickets, customers=args.customers, now=now)
        generation["total_s"] = time.perf_counter() - started
        print(f"generated in {generation['total_s']:.1f} s: {generation}", flush=True)

    now = bench_now()
    restored = restore_nothing_due(now)
    if restored:
        log(f"{restored:,} response clocks from an earlier run put back in the future")
    counts = due_counts(now)
    assert not any(counts.values()), f"something is due before measurement 1: {counts}"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE stage IN %s", [OPEN_STAGES])
        open_tickets = cursor.fetchone()[0]
    environment = environment_facts()

    log("measurement 1: sweep with nothing due")
    idle = run_child("idle", now, repeats=args.repeats, explain=True)

    log(f"measurement 2: {args.breaches:,} first-response deadlines pass")
    chosen = pick_fresh_tickets(args.breaches)
    assert push_response_due(chosen, now, earliest=1, latest=10) == args.breaches
    counts = due_counts(now)
    assert counts["response_breach"] == args.breaches, counts
    before = table_counts()
    breach = run_child("breach", now)
    after = table_counts()
    breach["rows_written"] = {name: after[name] - before[name] for name in after}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM sla_slaevent
            WHERE ticket_id = ANY(%s) AND target = 'response' AND kind = 'breached' AND recorded_at = %s
            """,
            [chosen, now],
        )
        breach["events_for_chosen"] = cursor.fetchone()[0]

    log("memory: the same breach sweep under tracemalloc, on other tickets")
    restore_nothing_due(now)
    other = pick_fresh_tickets(args.breaches)
    push_response_due(other, now, earliest=1, latest=10)
    breach_traced = run_child("breach", now, traced=True)
    restore_nothing_due(now)

    log("measurement 4: the naive way, on the same tickets as measurement 2")
    # New deadlines (11–20 min ago), so their SlaEvents are new facts, not conflicts with the first run.
    push_response_due(chosen, now, earliest=11, latest=20)
    assert due_counts(now)["response_breach"] == args.breaches
    naive = run_child("naive", now, naive_sample=args.naive_sample)
    naive["sampled"] = bool(args.naive_sample) and naive["scanned"] < open_tickets
    naive["factor"] = open_tickets / naive["scanned"] if naive["scanned"] else 0.0
    naive["full_seconds"] = naive["seconds"] * (naive["factor"] if naive["sampled"] else 1.0)
    restore_nothing_due(now)

    ratio = naive["full_seconds"] / breach["first"]["seconds"]
    peak = max(idle["peak_rss_mb"], breach["peak_rss_mb"])
    targets = [
        {
            "name": "sweep, nothing due (best of repeats)",
            "measured": f"{idle['best_seconds']:.3f} s",
            "target": f"≤ {TARGET_IDLE_SECONDS} s",
            "result": verdict(idle["best_seconds"] <= TARGET_IDLE_SECONDS),
        },
        {
            "name": f"sweep, {args.breaches:,} newly breached",
            "measured": f"{breach['first']['seconds']:.3f} s",
            "target": f"≤ {TARGET_BREACH_SECONDS:.0f} s",
            "result": verdict(breach["first"]["seconds"] <= TARGET_BREACH_SECONDS),
        },
        {
            "name": "peak memory of the sweeping process (RSS)",
            "measured": f"{peak:.1f} MB",
            "target": f"≤ {TARGET_PEAK_MB:.0f} MB",
            "result": verdict(peak <= TARGET_PEAK_MB),
        },
        {
            "name": "naive / set-based (breach sweep)",
            "measured": f"{ratio:.0f}×",
            "target": f"≥ {TARGET_RATIO:.0f}×",
            "result": verdict(ratio >= TARGET_RATIO),
        },
    ]
    figures = {
        "tickets": args.tickets,
        "open_tickets": open_tickets,
        "breaches": args.breaches,
        "now": now.isoformat(),
        "batch_size": settings.HELPDESK["SWEEP_BATCH_SIZE"],
        "generation": generation or "reused (--keep)",
        "environment": environment,
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "idle": idle,
        "breach": breach,
        "breach_traced": breach_traced,
        "naive": naive,
        "ratio": ratio,
        "targets": targets,
        "show_plans": args.explain or idle["best_seconds"] > TARGET_IDLE_SECONDS,
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(figures, indent=2, default=str))
    print_report(figures)


if __name__ == "__main__":
    main()
