"""The large-data generator every bench shares (sla_sweep.py, ticket_search.py, monthly_report.py,
pages.py). Not a test; nothing here runs under pytest.

Four kinds of data set, each in its own database whose name contains "bench", created and migrated here:

- "sla": N open tickets reported over the last three days, every running deadline after the bench's
  clock (bench/sla_sweep.py, and ticket_search.py on the same data);
- "month": a month (March 2026) of tickets with their outcomes: resolved and closed, RCAs, ratings,
  escalations (bench/monthly_report.py);
- "desk": a help desk after 18 months of work (bench/pages.py): mostly closed tickets, an open backlog of a
  few percent, a mass outage whose escalations fill the queues, customers, messages, SLA events,
  notifications, RCAs, CAPA reports, CSI surveys and the monthly snapshots, and staff in every role who
  can sign in (`username(role)`, `password(role)`, a DRF token each).
- "outage": the "desk" data set, plus customers of one region (Balikpapan) with a fiber service each who
  have filed nothing yet: the people a cable cut makes complain at once (bench/mass_outage.py).

Everything is written by set-based SQL inside PostgreSQL (`INSERT … SELECT FROM generate_series`), as a
restore would: the plain secondary indexes of the tables filled are dropped and rebuilt once from their
own definitions (partial indexes stay as the migrations made them), the user triggers on tickets are off
only while the rows are written (the history's rows and the search text, which they would write, are
written in bulk instead), then enabled again and checked, and the database is vacuumed and analysed.
The "desk" kind then lets the application's own SLA watcher (`sla.services.sla_sweep`) run over the
last two weeks, so that the open tickets' breaches, escalations, SLA events and notifications are the
ones the watcher writes. Ticket numbers come from `ticket_number_seq`, each value's number computed by
`helpdesk.lib.ticket_numbers.encode` itself into a lookup table before any ticket is written (see
check_number_sql).

Table names are read from the models (`Model._meta.db_table`); the notification outbox's model is named
once, in NOTIFICATION_MODEL below. `--keep`: a database that holds data this generator made, of the same
kind, size and version, is reused (the mark is a JSON comment on the tickets table).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The notification outbox: the one place that names its model. It is moving to a new app
# (`notifications.Notification`, table notifications_notification); change this line when it does.
NOTIFICATION_MODEL = "notifications.Notification"

# Bumped whenever a data set changes, so that --keep never reuses data an older generator made.
VERSION = 6
KINDS = ("sla", "month", "desk", "outage")

CHUNK = 100_000  # tickets per INSERT statement

# Staff of the generated desk: (group, how many). Team membership is in `create_staff`.
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


def username(role: str, number: int = 1) -> str:
    """The generated staff member `number` (1-based) of a role, e.g. bench-supervisor-1."""
    return f"bench-{role}-{number}"


def password(role: str) -> str:
    """Every generated staff member of a role signs in with this password."""
    return f"bench-{role}-password"


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Tables, read from the models --------------------------------------------------------------------

_MODELS = {
    "ticket": "tickets.Ticket",
    "history": "tickets.TicketHistory",
    "search": "tickets.TicketSearch",
    "message": "tickets.TicketMessage",
    "customer": "tickets.Customer",
    "service": "tickets.Service",
    "region": "tickets.Region",
    "team": "tickets.Team",
    "escalation": "escalation.Escalation",
    "notified": "escalation.EscalationNotified",
    "rule": "escalation.EscalationRule",
    "notification": NOTIFICATION_MODEL,
    "sla_event": "sla.SlaEvent",
    "pause": "sla.SlaPause",
    "rca": "reports.RootCauseAnalysis",
    "rca_category": "reports.RootCauseCategory",
    "rating": "reports.SatisfactionRating",
    "capa": "reports.CapaReport",
    "capa_action": "reports.CapaAction",
    "monthly": "reports.MonthlyReport",
    "campaign": "reports.SurveyCampaign",
    "invitation": "reports.SurveyInvitation",
    "context": "pghistory.Context",
    "token": "authtoken.Token",
    "group": "auth.Group",
}


def notification_model() -> Any:
    """The notification outbox's model (see NOTIFICATION_MODEL)."""
    from django.apps import apps

    return apps.get_model(NOTIFICATION_MODEL)


class _Tables:
    """`T.ticket` → "tickets_ticket", read from the models once Django is set up."""

    def __getattr__(self, name: str) -> str:
        from django.apps import apps
        from django.contrib.auth import get_user_model

        if name == "user":
            model = get_user_model()
        elif name == "user_groups":
            model = get_user_model().groups.through
        elif name == "team_members":
            model = apps.get_model("tickets", "Team").members.through
        elif name in _MODELS:
            model = apps.get_model(_MODELS[name])
        else:
            raise AttributeError(name)
        table = model._meta.db_table
        setattr(self, name, table)
        return table


T = _Tables()


# --- Databases -----------------------------------------------------------------------------------------


def database_url(explicit: str | None, default: str) -> str:
    """`explicit`, else $BENCH_DATABASE_URL, else `default` — never $DATABASE_URL: a bench drops and
    recreates its database, so the name must contain "bench"."""
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or default
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    return url


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def configure_environment(url: str) -> None:
    """Settings for the bench process and its children alike (children inherit the environment)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.base"
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # What the generation owes by email is enqueued after commit: keep it in the process, away from any
    # real broker whose workers would look the ids up in another database.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["REDIS_URL"] = ""


def setup(url: str) -> None:
    """Point Django at the bench database and set it up."""
    import django

    configure_environment(url)
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
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate_database(url: str) -> None:
    from psycopg2 import sql

    name = sql.Identifier(database_name(url))
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


def database_size() -> str:
    return fetch_one("SELECT pg_size_pretty(pg_database_size(current_database()))")[0]


# --- Ticket numbers -------------------------------------------------------------------------------------
# The numbers are keyed (an HMAC-SHA256 Feistel permutation under TICKET_NUMBER_KEY, then a Damm check
# character: helpdesk.lib.ticket_numbers), which SQL cannot transcribe without pgcrypto. So the
# application's own `encode` computes the number of every sequence value a generation will take (~26 µs
# each: ~30 s for 1,000,000), into a temporary table of the generating session, and the INSERTs look each
# one up by the value `nextval('ticket_number_seq')` gave them.

NUMBER_TABLE = "bench_ticket_numbers"


def scrambled_sql(seq: str) -> str:
    """The value a ticket's number is looked up by: its sequence value itself (see number_sql)."""
    return f"({seq})"


def number_sql(seq: str) -> str:
    """A SQL expression giving the ticket number of a sequence value, from the table load_numbers wrote."""
    return f"(SELECT n.number FROM {NUMBER_TABLE} n WHERE n.seq = ({seq}))"  # noqa: S608 (constants)


def check_number_sql(cursor: Any, *, count: int) -> int:
    """Compute the numbers of the next `count` values of ticket_number_seq (and a margin) with
    `ticket_numbers.encode` into this session's lookup table; then check the table against the encoder
    on a sample, through number_sql, before any ticket is written."""
    from helpdesk.lib import ticket_numbers

    cursor.execute("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM ticket_number_seq")
    (first,) = cursor.fetchone()
    last = first + count + max(100, count // 100)
    cursor.execute(f"DROP TABLE IF EXISTS {NUMBER_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {NUMBER_TABLE} (seq bigint PRIMARY KEY, number text NOT NULL)")
    started = time.perf_counter()
    for low in range(first, last + 1, CHUNK):
        values = list(range(low, min(low + CHUNK, last + 1)))
        cursor.execute(
            f"INSERT INTO {NUMBER_TABLE} SELECT unnest(%s::bigint[]), unnest(%s::text[])",
            [values, [ticket_numbers.encode(value) for value in values]],
        )
    cursor.execute(f"ANALYZE {NUMBER_TABLE}")
    sample = sorted({first, last, *range(first, last + 1, max(1, (last - first) // 200))})
    cursor.execute(
        f"SELECT v, {number_sql('v')} FROM unnest(%s::bigint[]) AS v",  # noqa: S608 (constants)
        [sample],
    )
    for value, number in cursor.fetchall():
        if number != ticket_numbers.encode(value):
            sys.exit(f"ticket number lookup disagrees with encode({value}): {number}")
    log(
        f"ticket numbers of sequence values {first:,}–{last:,} computed by helpdesk.lib.ticket_numbers."
        f"encode ({time.perf_counter() - started:.1f} s), checked on {len(sample)} values"
    )
    return len(sample)


# --- Small SQL builders (constants only, never input) ---------------------------------------------------


def choice_sql(random: str, weighted: list[tuple[str, float]]) -> str:
    """A CASE picking one of the values (SQL literals or expressions) with the given weights."""
    total = sum(weight for _, weight in weighted)
    parts, cumulative = [], 0.0
    for value, weight in weighted[:-1]:
        cumulative += weight / total
        parts.append(f"WHEN {random} < {cumulative:.6f} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {weighted[-1][0]} END"


def pick_sql(array_param: str, random: str) -> str:
    """One element of an int[] parameter, chosen by a random in [0, 1)."""
    return f"(%({array_param})s::int[])[1 + floor({random} * cardinality(%({array_param})s::int[]))::int]"


def minutes(expression: str) -> str:
    return f"(({expression}) * interval '1 minute')"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def text_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]"


# --- Reference data: staff, customers, services --------------------------------------------------------


@dataclass
class Staff:
    """The generated staff: user ids per role, team ids and members."""

    by_role: dict[str, list[int]]
    teams: dict[str, int]
    members: dict[str, list[int]]

    @property
    def network_technicians(self) -> list[int]:
        return self.by_role["technician"][:45]

    @property
    def billing_technicians(self) -> list[int]:
        return self.by_role["technician"][45:]


def create_staff(cursor: Any, now: dt.datetime) -> Staff:
    """Staff in every role with a known password per role (one hash per role) and a DRF token each, and
    the four teams' members: Customer Care holds most agents and the supervisors, Customer Experience the
    other agents, Network Operation and Billing & Account the technicians (support with Billing)."""
    from django.contrib.auth.hashers import make_password

    cursor.execute(f"SELECT name, id FROM {T.team}")  # noqa: S608
    teams = dict(cursor.fetchall())
    cursor.execute(f"SELECT name, id FROM {T.group}")  # noqa: S608
    groups = dict(cursor.fetchall())
    by_role: dict[str, list[int]] = {}
    for role, count in STAFF:
        cursor.execute(
            f"""
            INSERT INTO {T.user} (password, is_superuser, username, first_name, last_name, email,
                                  is_staff, is_active, date_joined)
            SELECT %(password)s, false, 'bench-' || %(role)s || '-' || g, initcap(%(role)s), g::text,
                   'bench-' || %(role)s || g || '@nusantaratelekomindo.co.id', true, true, %(now)s
            FROM generate_series(1, %(count)s) AS g
            RETURNING id
            """,  # noqa: S608
            {"role": role, "count": count, "now": now, "password": make_password(password(role))},
        )
        by_role[role] = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"INSERT INTO {T.user_groups} (user_id, group_id) SELECT u, %s FROM unnest(%s::int[]) AS u",  # noqa: S608
            [groups[role], by_role[role]],
        )
    technicians = by_role["technician"]
    members = {
        "Customer Care": by_role["agent"][:34] + by_role["supervisor"],
        "Customer Experience": by_role["agent"][34:],
        "Network Operation": technicians[:45],
        "Billing & Account": technicians[45:] + by_role["support"],
    }
    for team, user_ids in members.items():
        cursor.execute(
            f"INSERT INTO {T.team_members} (team_id, user_id) SELECT %s, u FROM unnest(%s::int[]) u",  # noqa: S608
            [teams[team], user_ids],
        )
    cursor.execute(
        f"""
        INSERT INTO {T.token} (key, created, user_id)
        SELECT substr(md5(random()::text || u.id) || md5(u.id::text || random()::text), 1, 40), %s, u.id
        FROM {T.user} u WHERE u.username LIKE 'bench-%%'
        """,  # noqa: S608
        [now],
    )
    log(f"{sum(count for _, count in STAFF)} staff in {len(STAFF)} roles, with passwords and API tokens")
    return Staff(by_role=by_role, teams=teams, members=members)


def regions(cursor: Any) -> list[tuple[int, str, str]]:
    cursor.execute(f"SELECT id, code, timezone FROM {T.region} ORDER BY id")  # noqa: S608
    return cursor.fetchall()


def _words(text: str) -> list[str]:
    return text.split()


# Desk customers: common Indonesian given names and family names (1,600 pairs), some companies.
FIRST_NAMES = _words(
    """
    Budi Siti Agus Dewi Andi Rina Hendra Sri Yusuf Ayu Rudi Lestari Joko Putri Bambang Nur Eko Wati Fajar
    Indah Arif Maya Dedi Ratna Irfan Fitri Taufik Yuni Rizky Sari Hadi Novi Wahyu Dian Ahmad Lina Gilang
    Mega Teguh Ani
    """
)
LAST_NAMES = _words(
    """
    Santoso Wijaya Pratama Saputra Hidayat Rahmawati Kusuma Setiawan Nugroho Siregar Simanjuntak Harahap
    Lubis Nasution Wibowo Susanto Gunawan Halim Tanjung Sembiring Purba Manurung Pangaribuan Situmorang
    Daulay Sitompul Ginting Tarigan Marpaung Hutapea Sinaga Rangkuti Batubara Pohan Damanik Simbolon
    Lumbantobing Panjaitan Pardede Silalahi
    """
)
COMPANY_WORDS = _words(
    """
    Sinar Jaya Makmur Abadi Sentosa Nusantara Mandiri Sejahtera Cahaya Bintang
    """
)
EMAIL_DOMAINS = ["gmail.com", "yahoo.co.id", "outlook.com", "example.co.id"]
# Desk regions by slot (a service's slot is its offset mod 50): the share of each region in 2 % steps,
# WIB-heavy as the operator's customers are (WIB 58 %, WITA 26 %, WIT 16 %).
REGION_SLOTS = [("jkt", 11), ("bdg", 6), ("sby", 7), ("mdn", 5), ("dps", 4), ("mks", 5), ("bpn", 4)]
REGION_SLOTS += [("amb", 3), ("jyp", 5)]
OUTAGE_REGION = "mks"  # the mass outage: a fiber backbone cut around Makassar (WITA)


def region_slot_sql(offset: str, region_ids: dict[str, int]) -> str:
    """The region of a desk service or customer by its 0-based offset (see REGION_SLOTS)."""
    parts, low = [], 0
    for code, width in REGION_SLOTS:
        parts.append(f"WHEN mod({offset}, 50) < {low + width} THEN {region_ids[code]}")
        low += width
    return f"CASE {' '.join(parts)} END"


def outage_slots() -> tuple[int, int]:
    low = 0
    for code, width in REGION_SLOTS:
        if code == OUTAGE_REGION:
            return low, width
        low += width
    raise LookupError(OUTAGE_REGION)


def desk_customer_sql(offset: str) -> dict[str, str]:
    """Name, email, phone and tier of desk customer `offset` (0-based), as SQL expressions, so that a
    ticket can carry its customer's contact without a join."""
    first = f"({text_array(FIRST_NAMES)})[1 + mod({offset}, {len(FIRST_NAMES)})]"
    last = f"({text_array(LAST_NAMES)})[1 + mod({offset} / {len(FIRST_NAMES)}, {len(LAST_NAMES)})]"
    word = f"({text_array(COMPANY_WORDS)})[1 + mod({offset} / 7, {len(COMPANY_WORDS)})]"
    domain = f"({text_array(EMAIL_DOMAINS)})[1 + mod({offset} / 3, {len(EMAIL_DOMAINS)})]"
    company = f"mod({offset}, 9) = 4"
    return {
        "name": (
            f"CASE WHEN {company} THEN 'PT ' || {word} || ' ' || {last} ELSE {first} || ' ' || {last} END"
        ),
        "email": (
            f"CASE WHEN {company} THEN 'it.' || lower({last}) || ({offset} + 1) || '@corp.example.co.id' "
            f"ELSE lower({first}) || '.' || lower({last}) || ({offset} + 1) || '@' || {domain} END"
        ),
        "phone": f"'+62812' || lpad((({offset}) + 1)::text, 8, '0')",
        # High-value customers: every twelfth, and the companies (a tier the SLA policies know).
        "high_value": f"(mod({offset} + 1, 12) = 0 OR {company})",
    }


def create_customers(cursor: Any, *, style: str, count: int, now: dt.datetime, start: dt.datetime) -> int:
    """`count` customers; returns the first id. `style`: "sla" (numbered, as sla_sweep always had),
    "month" (as monthly_report always had) or "desk" (people's names and companies, see desk_customer_sql).
    """
    region_rows = regions(cursor)
    region_ids = [row[0] for row in region_rows]
    if style == "desk":
        customer = desk_customer_sql("g")
        by_code = {code: pk for pk, code, _zone in region_rows}
        select = f"""
            SELECT {customer["name"]}, {customer["email"]}, {customer["phone"]},
                   CASE WHEN {customer["high_value"]} THEN 'high_value' ELSE 'regular' END,
                   %(now)s - random() * interval '900 days', {region_slot_sql("g", by_code)}
            FROM generate_series(0, %(n)s - 1) AS g
        """  # noqa: S608 (module constants)
    elif style == "month":
        select = """
            SELECT 'Bench customer ' || g, 'bench' || g || '@example.co.id',
                   '+62813' || lpad(g::text, 7, '0'),
                   CASE WHEN mod(g, 20) = 0 THEN 'high_value' ELSE 'regular' END, %(start)s,
                   (%(regions)s::bigint[])[1 + floor(random() * cardinality(%(regions)s::bigint[]))::int]
            FROM generate_series(0, %(n)s - 1) AS g
        """
    else:
        select = """
            SELECT 'Pelanggan ' || g, 'pelanggan' || g || '@example.co.id', '+6281' || lpad(g::text, 9, '0'),
                   CASE WHEN random() < 0.1 THEN 'high_value' ELSE 'regular' END,
                   %(now)s - random() * interval '730 days',
                   (%(regions)s::bigint[])[1 + floor(random() * cardinality(%(regions)s::bigint[]))::int]
            FROM generate_series(1, %(n)s) AS g
        """
    cursor.execute(
        f"INSERT INTO {T.customer} (name, email, phone, tier, created_at, region_id) {select}",
        {"now": now, "start": start, "regions": region_ids, "n": count},
    )
    cursor.execute(f"SELECT min(id) FROM {T.customer}")  # noqa: S608
    return cursor.fetchone()[0]


def create_services(cursor: Any, *, style: str, count: int, customers: int, customer_min: int) -> int:
    """`count` services of the customers (service offset s belongs to customer offset s mod customers);
    returns the first id."""
    region_rows = regions(cursor)
    region_ids = [row[0] for row in region_rows]
    params = {"cmin": customer_min, "customers": customers, "regions": region_ids, "n": count}
    if style == "desk":
        by_code = {code: pk for pk, code, _zone in region_rows}
        low, width = outage_slots()
        kind = choice_sql(
            "s.r_kind",
            [
                ("'broadband'", 50),
                ("'fiber'", 14),
                ("'dedicated_internet'", 10),
                ("'wireless'", 8),
                ("'vpn'", 6),
                ("'cloud_hosting'", 4),
                ("'unified_communications'", 3),
                ("'iot'", 3),
                ("'tower'", 2),
            ],
        )
        select = f"""
            SELECT {kind},
                   upper(substr(replace({kind}, '_', ''), 1, 3)) || '-' || lpad(s.g::text, 9, '0'),
                   -- The services in the outage's region are down with it.
                   CASE WHEN mod(s.g, 50) >= {low} AND mod(s.g, 50) < {low + width} AND s.r_status < 0.6
                        THEN 'outage'
                        WHEN s.r_status < 0.97 THEN 'active' ELSE 'suspended' END,
                   CASE WHEN s.r_bill < 0.92 THEN 'paid' ELSE 'overdue' END,
                   CASE WHEN s.r_bill < 0.92 THEN 0
                        ELSE round((50000 + s.r_amount * 2000000)::numeric, 2) END,
                   %(cmin)s + mod(s.g, %(customers)s),
                   {region_slot_sql("s.g", by_code)}
            FROM (SELECT g, random() AS r_kind, random() AS r_status, random() AS r_bill, random() AS r_amount
                  FROM generate_series(0, %(n)s - 1) AS g OFFSET 0) AS s
        """  # noqa: S608 (module constants)
    elif style == "month":
        kind = choice_sql(
            "s.r_kind",
            [("'broadband'", 6), ("'dedicated_internet'", 2)]
            + [(f"'{k}'", 1) for k in ("vpn", "fiber", "tower", "wireless", "cloud_hosting")]
            + [("'unified_communications'", 1), ("'iot'", 1)],
        )
        select = f"""
            SELECT {kind}, 'BENCH-' || lpad((s.g + 1)::text, 8, '0'), 'active', 'paid', 0,
                   %(cmin)s + mod(s.g, %(customers)s),
                   (%(regions)s::bigint[])[1 + floor(s.r_region * cardinality(%(regions)s::bigint[]))::int]
            FROM (SELECT g, random() AS r_kind, random() AS r_region
                  FROM generate_series(0, %(n)s - 1) AS g OFFSET 0) AS s
        """  # noqa: S608 (module constants)
    else:
        select = """
            SELECT (%(kinds)s::text[])[1 + floor(s.r_kind * cardinality(%(kinds)s::text[]))::int],
                   'SVC-' || lpad(s.g::text, 9, '0'),
                   CASE WHEN s.r_status < 0.95 THEN 'active' WHEN s.r_status < 0.98 THEN 'outage'
                        ELSE 'suspended' END,
                   CASE WHEN s.r_bill < 0.9 THEN 'paid' ELSE 'overdue' END,
                   CASE WHEN s.r_bill < 0.9 THEN 0 ELSE round((50000 + s.r_amount * 2000000)::numeric, 2) END,
                   %(cmin)s + mod(s.g - 1, %(customers)s),
                   (%(regions)s::bigint[])[1 + floor(s.r_region * cardinality(%(regions)s::bigint[]))::int]
            FROM (SELECT g, random() AS r_kind, random() AS r_status, random() AS r_bill,
                         random() AS r_amount, random() AS r_region
                  FROM generate_series(1, %(n)s) AS g OFFSET 0) AS s
        """
        params["kinds"] = SERVICE_KINDS
    cursor.execute(
        f"""
        INSERT INTO {T.service} (kind, reference, status, billing_status, overdue_amount, customer_id,
                                 region_id)
        {select}
        """,
        params,
    )
    cursor.execute(f"SELECT min(id) FROM {T.service}")  # noqa: S608
    return cursor.fetchone()[0]


# --- Bulk loading ---------------------------------------------------------------------------------------


@contextmanager
def bulk_load(cursor: Any, tables: list[str], timings: dict[str, float]) -> Iterator[None]:
    """Load as a restore would: the plain secondary indexes of `tables` (the trigram ones above all) are
    dropped, and rebuilt once afterwards from their own definitions; partial indexes and those behind a
    constraint stay as the migrations made them. The user triggers on tickets (history, search text) are
    off only inside the block, then enabled again and checked: the caller writes what they would have."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = ANY (%s::regclass[])
          AND i.indpred IS NULL AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [tables],
    )
    definitions = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {T.ticket} DISABLE TRIGGER USER")
    # Columns the application always fills and the generator's INSERTs do not name: a default of the
    # load's own, dropped again at its end (tickets' zone and next deadline: fill_zones_and_next_due).
    defaults = [(T.ticket, "time_zone", "''"), (T.ticket, "next_due", "'infinity'")]
    if T.notification in tables:
        defaults.append((T.notification, "time_zone", literal(head_office_zone())))
    for table, column, value in defaults:
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {value}")
    try:
        for name, _definition in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
        yield
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in definitions:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")
        timings["indexes_s"] = time.perf_counter() - started
        log(f"{len(definitions)} indexes rebuilt in {timings['indexes_s']:.0f} s")
    finally:
        for table, column, _value in defaults:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        cursor.execute(f"ALTER TABLE {T.ticket} ENABLE TRIGGER USER")
    cursor.execute(
        f"""
        SELECT count(*) FILTER (WHERE tgenabled = 'O'), count(*)
        FROM pg_trigger WHERE tgrelid = '{T.ticket}'::regclass AND NOT tgisinternal
        """  # noqa: S608
    )
    enabled, total = cursor.fetchone()
    if enabled != total or total == 0:
        sys.exit(f"only {enabled}/{total} user triggers on {T.ticket} enabled again")
    log(f"{enabled}/{total} user triggers on {T.ticket} enabled again")


def head_office_zone() -> str:
    from helpdesk.lib.zones import head_office_zone_name

    return head_office_zone_name()


def fill_zones_and_next_due(cursor: Any) -> None:
    """What `sla.services.sla_start` and every clock change keep on a ticket, for the tickets just
    written: the zone it lives in (`sla.selectors.time_zone_of`: its service's region, else its
    customer's, else the head office's) and its nearest running deadline (`sla.services.next_running_due`:
    none while it waits for the customer or when both clocks have stopped)."""
    from helpdesk.lib.vocabulary import RUNNING_SLA_STATES
    from tickets.models import NO_RUNNING_CLOCK

    running = ", ".join(literal(str(state)) for state in sorted(RUNNING_SLA_STATES))
    cursor.execute(
        f"""
        UPDATE {T.ticket} t
        SET time_zone = COALESCE(rs.timezone, rc.timezone, %(default_zone)s),
            next_due = CASE WHEN t.paused THEN %(none)s
                            ELSE COALESCE(LEAST(
                                CASE WHEN t.response_sla IN ({running}) THEN t.first_response_due END,
                                CASE WHEN t.resolution_sla IN ({running}) THEN t.resolution_due END),
                                %(none)s) END
        FROM {T.ticket} x
        JOIN {T.customer} c ON c.id = x.customer_id
        LEFT JOIN {T.service} s ON s.id = x.service_id
        LEFT JOIN {T.region} rs ON rs.id = s.region_id
        LEFT JOIN {T.region} rc ON rc.id = c.region_id
        WHERE t.id = x.id AND t.time_zone = ''
        """,  # noqa: S608 (module constants)
        {"default_zone": head_office_zone(), "none": NO_RUNNING_CLOCK},
    )
    log(f"zone and next deadline of {cursor.rowcount:,} tickets")


def history_columns(cursor: Any) -> list[str]:
    """The history table's copies of the ticket's columns (everything but pghistory's own)."""
    cursor.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = %s AND column_name NOT LIKE 'pgh\\_%%'
        ORDER BY ordinal_position
        """,
        [T.history],
    )
    return [row[0] for row in cursor.fetchall()]


def write_history_created(cursor: Any, where: str = "true") -> None:
    """The 'created' row pghistory's trigger would have written for each ticket, as the ticket is now."""
    columns = ", ".join(f'"{column}"' for column in history_columns(cursor))
    cursor.execute(
        f"""
        INSERT INTO {T.history} (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {columns})
        SELECT created_at, 'created', id, NULL, {columns} FROM {T.ticket} WHERE {where}
        """  # noqa: S608 (column names read from the catalogue)
    )


def write_search_text(cursor: Any) -> None:
    """The search text the trigger on tickets (off for the load) writes for each new ticket: the same
    expression (tickets.models.SEARCH_TEXT_SQL)."""
    from tickets.models import SEARCH_TEXT_SQL

    cursor.execute(
        f"""
        INSERT INTO {T.search} (ticket_id, text)
        SELECT t.id, {SEARCH_TEXT_SQL.format(t="t", email="c.email")}
        FROM {T.ticket} AS t JOIN {T.customer} AS c ON c.id = t.customer_id
        """  # noqa: S608
    )


def reset_sequences(cursor: Any, tables: list[str]) -> None:
    """After rows written with explicit ids, the identity columns continue after them."""
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )


def vacuum_analyze(cursor: Any, timings: dict[str, float], key: str = "vacuum_analyze_s") -> None:
    started = time.perf_counter()
    cursor.execute("VACUUM ANALYZE")
    timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
    log(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")


@contextmanager
def step(timings: dict[str, float], key: str, done: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[key] = time.perf_counter() - started
    log(f"{done} ({timings[key]:.1f} s)")


def table_rows(table: str) -> int:
    return fetch_one(f"SELECT count(*) FROM {table}")[0]  # noqa: S608


# --- Kind "sla": open tickets, nothing due (bench/sla_sweep.py) ----------------------------------------


def generate_sla(*, tickets: int, now: dt.datetime, customers: int = 50_000) -> dict[str, float]:
    """Staff, customers, 1.5 services per customer and `tickets` open tickets (received 35 %, verified
    25 %, dispatched 40 %; reported over the last three days; 3 % waiting for the customer), with every
    running deadline and risk point after `now`."""
    from django.db import connection

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        check_number_sql(cursor, count=tickets)
        staff = create_staff(cursor, now)
        customer_min = create_customers(cursor, style="sla", count=customers, now=now, start=now)
        services = customers * 3 // 2
        service_min = create_services(
            cursor, style="sla", count=services, customers=customers, customer_min=customer_min
        )
        timings["reference_data_s"] = time.perf_counter() - started
        log(f"{customers:,} customers, {services:,} services")

        with bulk_load(cursor, [T.ticket, T.search], timings):
            started = time.perf_counter()
            params = {
                "now": now,
                "spread": 3 * 86400,
                "services": services,
                "smin": service_min,
                "customers": customers,
                "cmin": customer_min,
                "phrases": PHRASES,
                "nphrases": len(PHRASES),
                "agents": staff.by_role["agent"],
                "nagents": len(staff.by_role["agent"]),
                "net_techs": staff.network_technicians,
                "nnet": len(staff.network_technicians),
                "bill_techs": staff.billing_technicians,
                "nbill": len(staff.billing_technicians),
                "care_team": staff.teams["Customer Care"],
                "net_team": staff.teams["Network Operation"],
                "bill_team": staff.teams["Billing & Account"],
            }
            insert = sla_ticket_insert_sql()
            for low in range(1, tickets + 1, CHUNK):
                cursor.execute(insert, {**params, "lo": low, "hi": min(low + CHUNK - 1, tickets)})
                log(f"tickets {min(low + CHUNK - 1, tickets):,}/{tickets:,}")
            fill_zones_and_next_due(cursor)
            timings["tickets_insert_s"] = time.perf_counter() - started
            with step(timings, "history_insert_s", "history 'created' rows written"):
                write_history_created(cursor)
            with step(timings, "search_text_insert_s", "search text rows written"):
                write_search_text(cursor)
        vacuum_analyze(cursor, timings)
    return timings


def sla_ticket_insert_sql() -> str:
    """One chunk (`lo`..`hi`) of open tickets. The randoms are drawn once per row in the inner query
    (OFFSET 0 keeps the planner from flattening it, which would draw them again at each use).

    Owners follow `ticket_create` and the dispatch action: every ticket starts in Customer Care, held by
    the agent who logged it (nobody holds a portal complaint); dispatch moves it to its category's team
    and usually to one of its technicians, else the team holds it unassigned."""
    return f"""
    INSERT INTO {T.ticket} (
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
               -- The channel mix of the "month" data set.
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


# --- Kind "month": one month of tickets and their outcomes (bench/monthly_report.py) -------------------

MONTH = dt.date(2026, 3, 1)
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in Asia/Jakarta (as reports.recap counts months)."""
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        dt.datetime(month.year, month.month, 1, tzinfo=JAKARTA),
        dt.datetime(following.year, following.month, 1, tzinfo=JAKARTA),
    )


def month_now() -> dt.datetime:
    """The clock of the "month" data set: an hour after the month ends."""
    return month_bounds(MONTH)[1] + dt.timedelta(hours=1)


def generate_month(*, tickets: int, now: dt.datetime) -> dict[str, float]:
    """`tickets` reported in MONTH (Jakarta), with the mixes monthly_report.py always had: category
    network 50 % / billing 25 / account 10 / service 15; classification minor 52 / major 34 / critical 10
    / none 4; stage closed 72 / confirmed 5 / resolved 5 / dispatched 10 / verified 4 / received 4; the
    first reply after a log-normal time (median 25 min), the fix after another (median 9 h), judged
    against the SOP's targets; 8 % of fixes rejected once or twice (a dissatisfaction escalation), half
    the late first replies escalated to level 1; 3,000 RCAs (a few cover most tickets, as one incident
    does), 30 % of confirmed tickets rated; one CAPA report with 500 actions. 40,000 customers, 50,000
    services."""
    from django.db import connection

    timings: dict[str, float] = {}
    start, end = month_bounds(MONTH)
    customers, services, rca_count = 40_000, 50_000, 3_000
    started = time.perf_counter()
    with connection.cursor() as cursor:
        check_number_sql(cursor, count=tickets)
        staff = create_staff(cursor, now)
        technician = staff.by_role["technician"][0]
        customer_min = create_customers(cursor, style="month", count=customers, now=now, start=start)
        service_min = create_services(
            cursor, style="month", count=services, customers=customers, customer_min=customer_min
        )
        cursor.execute(f"SELECT id FROM {T.rca_category} ORDER BY id")  # noqa: S608
        categories = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"""
            INSERT INTO {T.rca} (problem_statement, category_id, analysis, temporary_fix, permanent_fix,
                                 author_id, created_at, updated_at)
            SELECT 'Incident ' || g,
                   (%(categories)s::bigint[])[1 + LEAST(floor(1 / power(1 - random(), 1 / 1.2))::int - 1,
                                                        cardinality(%(categories)s::bigint[]) - 1)],
                   'a', 't', 'p', %(author)s, %(start)s, %(start)s
            FROM generate_series(0, %(n)s - 1) AS g
            """,  # noqa: S608
            {"categories": categories, "author": technician, "start": start, "n": rca_count},
        )
        cursor.execute(f"SELECT min(id) FROM {T.rca}")  # noqa: S608
        (rca_min,) = cursor.fetchone()
        timings["reference_data_s"] = time.perf_counter() - started
        log(f"{customers:,} customers, {services:,} services, {rca_count:,} RCAs")

        params = {
            "now": now,
            "start": start,
            "seconds": int((end - start).total_seconds()),
            "services": services,
            "smin": service_min,
            "customers": customers,
            "cmin": customer_min,
            "rmin": rca_min,
            "rcas": rca_count,
            "care_team": staff.teams["Customer Care"],
            "net_team": staff.teams["Network Operation"],
            "bill_team": staff.teams["Billing & Account"],
        }
        with bulk_load(cursor, [T.ticket, T.search, T.escalation, T.rating], timings):
            started = time.perf_counter()
            insert = month_ticket_insert_sql()
            for low in range(1, tickets + 1, CHUNK):
                cursor.execute(insert, {**params, "lo": low, "hi": min(low + CHUNK - 1, tickets)})
                log(f"tickets {min(low + CHUNK - 1, tickets):,}/{tickets:,}")
            fill_zones_and_next_due(cursor)
            timings["tickets_insert_s"] = time.perf_counter() - started
            with step(timings, "escalations_s", "escalations and ratings written"):
                cursor.execute(
                    f"""
                    INSERT INTO {T.escalation} (ticket_id, level, reason, note, raised_at)
                    SELECT id, LEAST(rejection_count, 2), 'dissatisfaction', '', resolved_at
                    FROM {T.ticket} WHERE rejection_count > 0
                    UNION ALL
                    SELECT id, 1, 'response_breach', '', first_response_due
                    FROM {T.ticket} WHERE response_sla = 'missed' AND random() < 0.5
                    """  # noqa: S608
                )
                nps = choice_sql(
                    "r.r_nps",
                    [("NULL", 1)] + [(str(v), 1) for v in range(11)] + [("9", 1), ("10", 1), ("8", 1)],
                )
                csat = choice_sql("r.r_csat", [("1", 5), ("2", 8), ("3", 17), ("4", 40), ("5", 30)])
                cursor.execute(
                    f"""
                    INSERT INTO {T.rating} (ticket_id, csat, nps, comment, via, created_at)
                    SELECT r.id, {csat}, {nps}, '', 'portal', r.confirmed_at
                    FROM (SELECT id, confirmed_at, random() AS r_csat, random() AS r_nps
                          FROM {T.ticket} WHERE stage IN ('closed', 'confirmed') AND random() < 0.3
                          OFFSET 0) AS r
                    """  # noqa: S608
                )
            with step(timings, "history_insert_s", "history 'created' rows written"):
                write_history_created(cursor)
            with step(timings, "search_text_insert_s", "search text rows written"):
                write_search_text(cursor)
        cursor.execute(
            f"""
            INSERT INTO {T.capa} (title, summary, author_id, status, close_reason, created_at, updated_at)
            VALUES ('Bench CAPA', '', %(author)s, 'open', '', %(now)s, %(now)s) RETURNING id
            """,  # noqa: S608
            {"author": technician, "now": now},
        )
        (report,) = cursor.fetchone()
        cursor.execute(
            f"""
            INSERT INTO {T.capa_action} (report_id, kind, description, owner_id, due_date, status, verified,
                                         verification_note, created_at, updated_at)
            SELECT %(report)s, CASE WHEN random() < 0.5 THEN 'corrective' ELSE 'preventive' END, 'x',
                   %(owner)s, %(month)s::date + floor(random() * 60)::int,
                   (ARRAY['open', 'in_progress', 'done', 'cancelled'])[1 + floor(random() * 4)::int],
                   false, '', %(now)s, %(now)s
            FROM generate_series(1, 500)
            """,  # noqa: S608
            {"report": report, "owner": technician, "month": MONTH, "now": now},
        )
        vacuum_analyze(cursor, timings)
    return timings


def month_ticket_insert_sql() -> str:
    """One chunk (`lo`..`hi`) of the month's tickets (see generate_month). Log-normal times come from
    normal draws by Box-Muller; the RCA a ticket points at is Pareto-distributed (`paretovariate(0.8)`)."""
    category = choice_sql(
        "r.r_cat", [("'network'", 50), ("'billing'", 25), ("'account'", 10), ("'service'", 15)]
    )
    classification = choice_sql("r.r_cls", [("'minor'", 52), ("'major'", 34), ("'critical'", 10), ("''", 4)])
    stage = choice_sql(
        "r.r_stage",
        [
            ("'closed'", 72),
            ("'confirmed'", 5),
            ("'resolved'", 5),
            ("'dispatched'", 10),
            ("'verified'", 4),
            ("'received'", 4),
        ],
    )
    channel = choice_sql(
        "r.r_channel",
        [
            ("'phone'", 35),
            ("'email'", 20),
            ("'portal'", 20),
            ("'walk_in'", 5),
            ("'social'", 5),
            ("'whatsapp'", 15),
        ],
    )
    rejections = choice_sql("r.r_reject", [("0", 92), ("1", 6), ("2", 2)])
    return f"""
    INSERT INTO {T.ticket} (
        number, customer_id, service_id, category, classification, channel, description, incident_at,
        reported_at, created_at, updated_at, stage, paused, public_exposure, contact_email, contact_phone,
        service_status_checked, billing_checked, verified_service_status, verified_billing_status, team_id,
        first_response_due, first_responded_at, response_sla, resolution_due, resolution_sla, stage_sla,
        resolved_at, first_resolved_at, confirmed_at, closed_at, close_reason, close_note, rca_id,
        rejection_count, escalation_level)
    SELECT
        {number_sql(scrambled_sql("x.seq"))},
        %(cmin)s + mod(x.service_offset, %(customers)s), %(smin)s + x.service_offset,
        x.category, x.classification, x.channel, 'Bench complaint',
        x.reported_at - interval '10 minutes', x.reported_at, x.reported_at, %(now)s, x.stage,
        false, false, '', '', false, false, '', '',
        CASE WHEN x.stage IN ('received', 'verified') THEN %(care_team)s
             WHEN x.category IN ('network', 'service') THEN %(net_team)s ELSE %(bill_team)s END,
        x.response_due,
        CASE WHEN x.stage <> 'received' THEN x.responded END,
        CASE WHEN x.stage = 'received' THEN 'ok' WHEN x.responded <= x.response_due THEN 'met'
             ELSE 'missed' END,
        x.resolution_due,
        CASE WHEN NOT x.is_resolved THEN 'ok' WHEN x.resolved <= x.resolution_due THEN 'met'
             ELSE 'missed' END,
        'ok',
        CASE WHEN x.is_resolved THEN x.resolved END,
        CASE WHEN x.is_resolved THEN x.resolved END,
        CASE WHEN x.stage IN ('closed', 'confirmed') THEN x.resolved + interval '2 hours' END,
        CASE WHEN x.stage = 'closed' THEN x.resolved + interval '3 hours' END,
        CASE WHEN x.stage = 'closed' THEN 'confirmed' ELSE '' END,
        '',
        CASE WHEN x.is_resolved
             THEN %(rmin)s + LEAST(floor(1 / power(1 - x.r_rca, 1 / 0.8))::bigint, %(rcas)s - 1) END,
        CASE WHEN x.is_resolved THEN x.rejections ELSE 0 END,
        0
    FROM (
        SELECT y.*,
               y.stage IN ('closed', 'confirmed', 'resolved') AS is_resolved,
               y.reported_at + {
        minutes(
            "CASE COALESCE(NULLIF(y.classification, ''), 'minor') "
            "WHEN 'minor' THEN 120 WHEN 'major' THEN 60 ELSE 30 END"
        )
    }
                   AS response_due,
               y.reported_at + {
        minutes(
            "CASE COALESCE(NULLIF(y.classification, ''), 'minor') "
            "WHEN 'minor' THEN 1080 WHEN 'major' THEN 1620 ELSE 480 END"
        )
    }
                   AS resolution_due,
               y.reported_at + {minutes("exp(3.2 + 0.9 * y.z1)")} AS responded,
               y.reported_at + {minutes("exp(6.3 + 1.0 * y.z2)")} AS resolved
        FROM (
            SELECT r.*, {category} AS category, {classification} AS classification, {stage} AS stage,
                   {channel} AS channel, {rejections} AS rejections,
                   sqrt(-2 * ln(1 - r.u1)) * cos(2 * pi() * r.u2) AS z1,
                   sqrt(-2 * ln(1 - r.u3)) * cos(2 * pi() * r.u4) AS z2
            FROM (
                SELECT g, nextval('ticket_number_seq') AS seq,
                       %(start)s + floor(random() * %(seconds)s) * interval '1 second' AS reported_at,
                       floor(random() * %(services)s)::bigint AS service_offset,
                       random() AS r_cat, random() AS r_cls, random() AS r_stage, random() AS r_channel,
                       random() AS r_reject, random() AS r_rca,
                       random() AS u1, random() AS u2, random() AS u3, random() AS u4
                FROM generate_series(%(lo)s, %(hi)s) AS g
                OFFSET 0
            ) AS r
        ) AS y
    ) AS x
    """  # noqa: S608 (the only interpolations are built from module constants)


# --- Kind "desk": 18 months of a help desk (bench/pages.py) --------------------------------------------

DESK_DAYS = 548  # about 18 months of tickets
DETAILED_DAYS = 60  # tickets open or reported this recently carry their whole story (history, messages)
# Each ticket's lot: the open backlog is a few percent (received/verified/dispatched/resolved/confirmed)
# and a mass outage; everything else was closed over the 18 months. The outage's share is calibrated on
# a 1,000,000 generation: each outage ticket leaves ~2.5 open escalations, the rest of the backlog ~1.6 %
# of N, so 1.32 % gives ~4.9 % of N open (1.5 % gave 53,397 at 1,000,000).
COHORTS = [
    ("outage", 0.0132),
    ("received", 0.0025),
    ("verified", 0.0015),
    ("dispatched", 0.0080),
    ("resolved", 0.0050),
    ("confirmed", 0.0020),
]
# Share of open escalations left for a while that someone acknowledged after the sweeps (the outage keeps
# the supervisors busy, so most are still open: ~49,000 at 1,000,000 tickets).
ACKNOWLEDGED_SHARE = 0.12
OUTAGE_PHRASES = [
    "Internet mati total sejak tadi malam",
    "Tidak ada koneksi sama sekali, lampu LOS merah",
    "Layanan fiber putus di seluruh kantor",
    "Link dedicated ke kantor cabang down",
    "Semua layanan internet di area kami mati",
]
DETAILS = [
    "Sudah restart modem tapi tetap sama",
    "Mohon segera ditindaklanjuti",
    "Terjadi sejak kemarin sore",
    "Pelanggan sudah menghubungi tiga kali",
    "Mengganggu operasional kantor",
    "Terjadi terutama pada jam kerja",
    "Mohon info perkiraan waktu perbaikan",
    "Sudah dicek kabel di sisi pelanggan",
]
REPLIES = [
    "Terima kasih, keluhan Anda sedang kami periksa.",
    "Mohon maaf atas ketidaknyamanannya, tim teknis kami sedang menangani.",
    "Kami sudah meneruskan keluhan Anda ke tim terkait.",
    "Baik, kami akan menghubungi Anda kembali setelah ada perkembangan.",
]
NOTES = [
    "Cek OLT: port normal, redaman tinggi di sisi pelanggan.",
    "Perlu kunjungan teknisi ke lokasi.",
    "Tagihan sudah dicek, ada selisih pada periode lalu.",
    "Koordinasi dengan NOC untuk pengecekan backbone.",
]
CUSTOMER_MESSAGES = [
    "Kapan layanan kami bisa normal kembali?",
    "Sampai sekarang masih belum bisa, mohon dibantu.",
    "Apakah ada gangguan massal di area kami?",
    "Terima kasih atas responnya.",
]
RCA_PROBLEMS = [
    "Kabel fiber backbone terputus akibat galian",
    "Gangguan catu daya di site",
    "Perangkat OLT rusak",
    "Kesalahan konfigurasi routing",
    "Kongesti kapasitas pada jam sibuk",
    "Gangguan di penyedia upstream",
    "Kesalahan sistem penagihan",
    "Kesalahan input data pelanggan",
    "Perangkat di sisi pelanggan rusak",
    "Cuaca buruk merusak perangkat",
]


def desk_sweep_times(now: dt.datetime) -> list[dt.datetime]:
    """When the SLA watcher runs during generation: every 3 hours over the past two weeks, then every 15
    minutes over the last 36 hours (the outage), and at `now`."""
    times, moment = [], now - dt.timedelta(days=14)
    while moment < now - dt.timedelta(hours=36):
        times.append(moment)
        moment += dt.timedelta(hours=3)
    while moment < now:
        times.append(moment)
        moment += dt.timedelta(minutes=15)
    return [*times, now]


def generate_desk(*, tickets: int, now: dt.datetime) -> dict[str, float]:
    """A help desk after 18 months (see the module docstring and bench/README.md): `tickets` tickets,
    one customer per ten tickets with 1.5 services each in the three time zones, staff, RCAs, the
    tickets' history, messages, SLA events, escalations with who was notified, notifications, pauses and
    ratings; then the SLA watcher over the last two weeks; then CAPA reports, CSI surveys and the
    monthly snapshots."""
    from django.db import connection

    timings: dict[str, float] = {}
    start = now - dt.timedelta(days=DESK_DAYS)
    customers = max(100, tickets // 10)
    services = customers * 3 // 2
    rca_count = max(20, tickets // 50)
    loaded = [T.ticket, T.search, T.history, T.message, T.sla_event, T.escalation, T.notified]
    loaded += [T.notification, T.pause, T.rating, T.customer, T.service, T.rca]
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        check_number_sql(cursor, count=tickets)
        staff = create_staff(cursor, now)
        with bulk_load(cursor, loaded, timings):
            with step(timings, "reference_data_s", f"{customers:,} customers, {services:,} services"):
                customer_min = create_customers(cursor, style="desk", count=customers, now=now, start=start)
                service_min = create_services(
                    cursor, style="desk", count=services, customers=customers, customer_min=customer_min
                )
                rca_min = desk_rcas(cursor, staff=staff, count=rca_count, start=start, now=now)
            params = desk_params(staff, now=now, start=start)
            params |= {
                "customers": customers,
                "cmin": customer_min,
                "services": services,
                "smin": service_min,
                "rcas": rca_count,
                "rmin": rca_min,
                "n": tickets,
            }
            with step(timings, "plan_s", "tickets planned (cohorts, report times)"):
                cursor.execute(desk_plan_sql(), params)
                cursor.execute("CREATE INDEX ON bench_plan (seq)")
            started = time.perf_counter()
            insert = desk_ticket_insert_sql()
            for low in range(1, tickets + 1, CHUNK):
                cursor.execute(insert, {**params, "lo": low, "hi": min(low + CHUNK - 1, tickets)})
                log(f"tickets {min(low + CHUNK - 1, tickets):,}/{tickets:,}")
            fill_zones_and_next_due(cursor)
            cursor.execute("DROP TABLE bench_plan")
            reset_sequences(cursor, [T.ticket])
            timings["tickets_insert_s"] = time.perf_counter() - started
            with step(timings, "escalations_s", "escalations of clocks that stopped late, who was notified"):
                desk_past_escalations(cursor, params)
            with step(timings, "history_insert_s", "history rows written"):
                desk_history(cursor, params)
            with step(timings, "search_text_insert_s", "search text rows written"):
                write_search_text(cursor)
            with step(timings, "messages_s", "messages written"):
                desk_messages(cursor, params)
            with step(timings, "sla_events_s", "SLA events of stopped clocks written"):
                desk_sla_events(cursor)
            with step(timings, "notifications_s", "notifications written"):
                desk_notifications(cursor, params)
            with step(timings, "pauses_ratings_s", "pauses and ratings written"):
                desk_pauses_and_ratings(cursor, params)
        vacuum_analyze(cursor, timings)
    with step(timings, "sweeps_s", "the SLA watcher ran over the last two weeks"):
        desk_sweeps(now)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        with step(timings, "after_sweeps_s", "some escalations acknowledged, emails sent, inbox read"):
            desk_after_sweeps(cursor, params)
        with step(timings, "capa_surveys_s", "CAPA reports and CSI surveys written"):
            desk_capa(cursor, params)
            desk_surveys(cursor, params, start=start, now=now)
        vacuum_analyze(cursor, timings, "vacuum_analyze_2_s")
    with step(timings, "monthly_reports_s", "monthly snapshots built"):
        desk_monthly_reports(start=start, now=now)
    return timings


def desk_params(staff: Staff, *, now: dt.datetime, start: dt.datetime) -> dict[str, Any]:
    roles = staff.by_role
    return {
        "now": now,
        "start": start,
        "closed_until": now - dt.timedelta(days=3),
        "detailed_since": now - dt.timedelta(days=DETAILED_DAYS),
        "agents": roles["agent"],
        "support": roles["support"],
        "supervisors": roles["supervisor"],
        "managers": roles["manager"],
        "directors": roles["director"],
        "analysts": roles["analyst"],
        "technicians": roles["technician"],
        "net_techs": staff.network_technicians,
        "bill_techs": staff.billing_technicians,
        "care_team": staff.teams["Customer Care"],
        "net_team": staff.teams["Network Operation"],
        "bill_team": staff.teams["Billing & Account"],
    }


def desk_rcas(cursor: Any, *, staff: Staff, count: int, start: dt.datetime, now: dt.datetime) -> int:
    """RCAs written evenly over the period (a ticket resolved at some time points at one written just
    before: tickets of one incident share it); returns the first id."""
    cursor.execute(f"SELECT id FROM {T.rca_category} ORDER BY id")  # noqa: S608
    categories = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        f"""
        INSERT INTO {T.rca} (problem_statement, category_id, analysis, temporary_fix, permanent_fix,
                             author_id, created_at, updated_at)
        SELECT ({text_array(RCA_PROBLEMS)})[1 + mod(g, {len(RCA_PROBLEMS)})]
                   || ' (insiden ' || (g + 1) || ')',
               (%(categories)s::bigint[])[1 + mod(g, cardinality(%(categories)s::bigint[]))],
               'Analisis penyebab gangguan dan dampaknya ke pelanggan.',
               'Pemulihan sementara dengan jalur cadangan.',
               'Perbaikan permanen dan penggantian perangkat.',
               {pick_sql("technicians", "random()")},
               %(start)s + (g::float / %(n)s) * (%(now)s - %(start)s),
               %(start)s + (g::float / %(n)s) * (%(now)s - %(start)s)
        FROM generate_series(0, %(n)s - 1) AS g
        """,  # noqa: S608
        {
            "categories": categories,
            "technicians": staff.by_role["technician"],
            "start": start,
            "now": now,
            "n": count,
        },
    )
    cursor.execute(f"SELECT min(id) FROM {T.rca}")  # noqa: S608
    return cursor.fetchone()[0]


def desk_plan_sql() -> str:
    """bench_plan: every ticket's lot, report time and random draws, numbered (`seq`, the ticket's id)
    in the order of report, so that the table is laid out in time as a real one is."""
    cohort = choice_sql(
        "a.r",
        [(f"'{name}'", share) for name, share in COHORTS]
        + [("'closed'", 1 - sum(share for _, share in COHORTS))],
    )
    draws = ", ".join(
        f"random() AS {name}"
        for name in [
            "r_time",
            "r_stage",
            "r_cat",
            "r_cls",
            "r_unclassified",
            "r_channel",
            "r_agent",
            "r_assign",
            "r_pick",
            "r_service",
            "r_slot",
            "r_has_service",
            "r_customer",
            "r_resp",
            "r_v",
            "r_d",
            "r_c",
            "r_x",
            "r_pause",
            "r_public",
            "r_incident",
            "r_desc",
            "r_detail",
            "r_rca",
            "r_reject",
            "u1",
            "u2",
            "u3",
            "u4",
        ]
    )
    return f"""
    CREATE UNLOGGED TABLE bench_plan AS
    SELECT row_number() OVER (ORDER BY p.reported_at, p.g) AS seq, p.*
    FROM (
        SELECT c.*,
               sqrt(-2 * ln(1 - c.u1)) * cos(2 * pi() * c.u2) AS z1,
               sqrt(-2 * ln(1 - c.u3)) * cos(2 * pi() * c.u4) AS z2,
               CASE c.cohort
                   WHEN 'outage' THEN %(now)s - interval '4 hours' - c.r_time * interval '26 hours'
                   WHEN 'received' THEN %(now)s - interval '2 minutes' - c.r_time ^ 2 * interval '8 hours'
                   WHEN 'verified' THEN %(now)s - interval '30 minutes' - c.r_time ^ 2 * interval '20 hours'
                   WHEN 'dispatched' THEN %(now)s - interval '1 hour' - c.r_time ^ 2 * interval '6 days'
                   WHEN 'resolved' THEN %(now)s - interval '3 hours' - c.r_time ^ 1.5 * interval '8 days'
                   WHEN 'confirmed' THEN %(now)s - interval '5 hours' - c.r_time ^ 1.5 * interval '8 days'
                   ELSE %(start)s + c.r_time * (%(closed_until)s - %(start)s)
               END AS reported_at
        FROM (
            SELECT a.g, {cohort} AS cohort, {draws}
            FROM (SELECT g, random() AS r FROM generate_series(1, %(n)s) AS g) AS a
        ) AS c
    ) AS p
    """  # noqa: S608 (built from module constants)


def desk_ticket_insert_sql() -> str:
    """One chunk (`lo`..`hi` of bench_plan.seq) of desk tickets, id = seq.

    Closed tickets went through the whole flow with log-normal times: the first reply after ~35 % of
    the response target (about one in ten late), the fix after ~45 % of the resolution target (one in
    eight late), then confirmation and closing; some were closed early (duplicates, invalid), some
    without an answer to the confirmation. Open tickets are placed between their report and now. Owners
    follow `ticket_create` and the dispatch action. Response and resolution targets are the seeded SLA
    policies' (business days taken as whole days); risk points at 75 %."""
    low, width = outage_slots()
    customer = desk_customer_sql("x.c")
    high_value = desk_customer_sql("a.c")["high_value"]
    outage_stage = choice_sql("p.r_stage", [("'received'", 40), ("'verified'", 25), ("'dispatched'", 35)])
    close_reason = choice_sql(
        "p.r_stage", [("'confirmed'", 86), ("'no_response'", 9), ("'duplicate'", 3), ("'invalid'", 2)]
    )
    category = choice_sql(
        "p.r_cat", [("'network'", 45), ("'billing'", 20), ("'account'", 10), ("'service'", 25)]
    )
    outage_category = choice_sql("p.r_cat", [("'network'", 90), ("'service'", 10)])
    channel = choice_sql(
        "p.r_channel",
        [
            ("'phone'", 35),
            ("'email'", 20),
            ("'portal'", 20),
            ("'walk_in'", 5),
            ("'social'", 5),
            ("'whatsapp'", 15),
        ],
    )
    outage_channel = choice_sql(
        "p.r_channel", [("'phone'", 40), ("'whatsapp'", 30), ("'portal'", 20), ("'social'", 10)]
    )
    classification = choice_sql("a.r_cls", [("'critical'", 10), ("'major'", 30), ("'minor'", 60)])
    outage_classification = choice_sql("a.r_cls", [("'critical'", 25), ("'major'", 55), ("'minor'", 20)])
    rejections = choice_sql("x.r_reject", [("0", 93), ("1", 5.5), ("2", 1.5)])
    description = (
        f"CASE WHEN x.cohort = 'outage' "
        f"THEN ({text_array(OUTAGE_PHRASES)})[1 + floor(x.r_desc * {len(OUTAGE_PHRASES)})::int] "
        f"ELSE ({text_array(PHRASES)})[1 + floor(x.r_desc * {len(PHRASES)})::int] END "
        f"|| '. ' || ({text_array(DETAILS)})[1 + floor(x.r_detail * {len(DETAILS)})::int] || '.'"
    )
    responded = "x.first_responded_at"
    stop = "COALESCE(x.resolved_at, x.closed_at)"
    return f"""
    INSERT INTO {T.ticket} (
        id, number, category, classification, channel, description, incident_at, reported_at, created_at,
        updated_at, stage, paused, paused_at, public_exposure, contact_email, contact_phone,
        service_status_checked, billing_checked, verified_service_status, verified_billing_status,
        verified_at, dispatched_at, first_response_due, first_response_risk_at, first_responded_at,
        response_sla, resolution_due, resolution_risk_at, resolution_sla, stage_due, stage_sla,
        resolved_at, first_resolved_at, confirmed_at, closed_at, close_reason, close_note,
        rejection_count, escalation_level, assignee_id, created_by_id, customer_id, duplicate_of_id,
        rca_id, service_id, team_id)
    SELECT
        x.seq, {number_sql(scrambled_sql("x.number_seq"))},
        x.category, x.classification, x.channel, {description},
        x.reported_at - x.r_incident * interval '6 hours',
        x.reported_at, x.reported_at,
        GREATEST(x.reported_at, x.verified_at, x.dispatched_at, x.first_responded_at, x.resolved_at,
                 x.confirmed_at, x.closed_at, x.paused_at),
        x.stage, x.paused, x.paused_at,
        x.channel = 'social' AND x.r_public < 0.3,
        CASE WHEN x.channel IN ('email', 'portal') THEN {customer["email"]} ELSE '' END,
        CASE WHEN x.channel = 'whatsapp' THEN {customer["phone"]} ELSE '' END,
        x.verified_at IS NOT NULL, x.verified_at IS NOT NULL,
        CASE WHEN x.verified_at IS NULL THEN '' WHEN x.cohort = 'outage' THEN 'outage' ELSE 'active' END,
        CASE WHEN x.verified_at IS NULL THEN '' ELSE 'paid' END,
        x.verified_at, x.dispatched_at,
        x.response_due, x.reported_at + {minutes("0.75 * x.resp_target")},
        {responded},
        CASE WHEN {responded} IS NOT NULL
                 THEN CASE WHEN {responded} <= x.response_due THEN 'met' ELSE 'missed' END
             WHEN {stop} IS NOT NULL THEN CASE WHEN {stop} <= x.response_due THEN 'met' ELSE 'missed' END
             ELSE 'ok' END,
        x.resolution_due, x.resolution_due - {minutes("0.25 * x.res_target")},
        CASE WHEN {stop} IS NOT NULL THEN CASE WHEN {stop} <= x.resolution_due THEN 'met' ELSE 'missed' END
             ELSE 'ok' END,
        CASE x.stage
            WHEN 'received' THEN x.reported_at + interval '1 hour'
            WHEN 'verified' THEN GREATEST(x.verified_at + interval '2 hours', x.paused_at + interval '1 hour')
            WHEN 'dispatched' THEN GREATEST(LEAST(x.dispatched_at + interval '4 hours', x.resolution_due),
                                            x.paused_at + interval '1 hour')
            WHEN 'resolved' THEN x.resolved_at + interval '3 days'
            WHEN 'confirmed' THEN x.confirmed_at + interval '24 hours'
        END,
        'ok',
        x.resolved_at, x.resolved_at, x.confirmed_at, x.closed_at, x.close_reason, '',
        CASE WHEN x.resolved_at IS NOT NULL THEN {rejections} ELSE 0 END,
        0,
        CASE WHEN x.stage IN ('received', 'verified') OR x.early_close THEN x.logged_by
             WHEN x.stage = 'dispatched'
                 THEN CASE WHEN x.r_assign < CASE WHEN x.cohort = 'outage' THEN 0.4 ELSE 0.85 END
                           THEN x.technician END
             ELSE x.technician END,
        x.logged_by,
        %(cmin)s + x.c,
        CASE WHEN x.close_reason = 'duplicate' AND x.seq > 50
             THEN x.seq - 1 - floor(x.r_rca * 49)::bigint END,
        CASE WHEN x.resolved_at IS NOT NULL
             THEN %(rmin)s + LEAST(%(rcas)s - 1, GREATEST(0,
                      floor(extract(epoch FROM x.resolved_at - %(start)s)
                            / extract(epoch FROM %(now)s - %(start)s) * %(rcas)s)::int
                      - floor(x.r_rca * 3)::int)) END,
        CASE WHEN x.s IS NOT NULL THEN %(smin)s + x.s END,
        CASE WHEN x.stage IN ('received', 'verified') OR x.early_close THEN %(care_team)s
             ELSE x.route_team END
    FROM (
        -- Deadlines.
        SELECT c.*,
               c.reported_at + {minutes("c.resp_target")} AS response_due,
               CASE WHEN c.paused
                    THEN GREATEST(c.reported_at + {minutes("c.res_target")}, c.paused_at + interval '2 hours')
                    ELSE c.reported_at + {minutes("c.res_target")} END AS resolution_due
        FROM (
            -- When each step happened.
            SELECT v.*,
                   CASE WHEN v.closed_full THEN v.reported_at + {minutes("v.t_v * v.scale")}
                        WHEN v.stage IN ('verified', 'dispatched', 'resolved', 'confirmed')
                            THEN v.reported_at + v.age * v.fv END AS verified_at,
                   CASE WHEN v.closed_full THEN v.reported_at + {minutes("v.t_d * v.scale")}
                        WHEN v.stage IN ('dispatched', 'resolved', 'confirmed')
                            THEN v.reported_at + v.age * v.fd END AS dispatched_at,
                   CASE WHEN v.closed_full AND v.close_reason <> 'duplicate' AND v.close_reason <> 'invalid'
                            THEN v.reported_at + {minutes("v.t_res * v.scale")}
                        WHEN v.stage IN ('resolved', 'confirmed') THEN v.reported_at + v.age * v.fr END
                       AS resolved_at,
                   CASE WHEN v.closed_full AND v.close_reason = 'confirmed'
                            THEN v.reported_at + {minutes("v.t_c * v.scale")}
                        WHEN v.stage = 'confirmed' THEN v.reported_at + v.age * v.fc END AS confirmed_at,
                   CASE WHEN v.stage = 'closed' THEN v.reported_at + {minutes("v.t_x * v.scale")} END
                       AS closed_at,
                   CASE
                       WHEN v.cohort = 'outage' THEN NULL
                       WHEN v.closed_full THEN v.reported_at + {minutes("LEAST(v.t_resp, v.t_res) * v.scale")}
                       WHEN v.early_close THEN CASE WHEN v.t_resp < v.t_x
                                                    THEN v.reported_at + {minutes("v.t_resp * v.scale")} END
                       WHEN v.paused THEN v.reported_at + LEAST({minutes("v.t_resp")}, v.age * v.fv * 0.5)
                       WHEN v.stage IN ('resolved', 'confirmed')
                           THEN CASE WHEN v.r_resp < 0.95 AND {minutes("v.t_resp")} < v.age * v.fr
                                     THEN v.reported_at + {minutes("v.t_resp")} END
                       WHEN v.r_resp < CASE v.stage WHEN 'received' THEN 0.4 WHEN 'verified' THEN 0.7
                                                    ELSE 0.9 END
                            AND {minutes("v.t_resp")} < v.age
                           THEN v.reported_at + {minutes("v.t_resp")}
                   END AS first_responded_at,
                   CASE WHEN v.paused THEN v.reported_at + v.age *
                            CASE v.stage WHEN 'verified' THEN v.fv + (1 - v.fv) * 0.5
                                         ELSE v.fd + (1 - v.fd) * 0.5 END
                   END AS paused_at
            FROM (
                -- Closed tickets: minutes from the report to each step, scaled down when the story
                -- would not fit before now. Open ones: fractions of their age.
                SELECT u.*,
                       u.stage = 'closed' AND NOT u.early_close AS closed_full,
                       u.stage IN ('verified', 'dispatched') AND u.cohort <> 'outage' AND u.r_pause < 0.06
                           AS paused,
                       LEAST(1.0, (u.age_minutes - 60) / u.t_x) AS scale
                FROM (
                    SELECT t.*,
                           CASE WHEN t.early_close THEN 20 + 300 * t.r_x
                                WHEN t.close_reason = 'no_response' THEN t.t_res + 1440 + 360 * t.r_x
                                ELSE t.t_c + 5 + 120 * t.r_x END AS t_x
                    FROM (
                        SELECT s.*,
                               s.t_res + 30 + 600 * s.r_c AS t_c,
                               s.fr + (1 - s.fr) * (0.2 + 0.6 * s.r_x) AS fc
                        FROM (
                            SELECT r.*,
                                   r.resp_target * exp(ln(0.35) + 0.8 * r.z1) AS t_resp,
                                   GREATEST(r.t_d + 10, r.res_target * exp(ln(0.45) + 0.7 * r.z2)) AS t_res,
                                   r.fd + (1 - r.fd) * (0.3 + 0.5 * r.r_c) AS fr
                            FROM (
                    -- Targets (minutes): the seeded policies by classification and tier.
                    SELECT m.*,
                           5 + 55 * m.r_v AS t_v,
                           5 + 55 * m.r_v + 5 + 115 * m.r_d AS t_d,
                           0.05 + 0.10 * m.r_v AS fv,
                           0.05 + 0.10 * m.r_v + 0.05 + 0.15 * m.r_d AS fd,
                           CASE WHEN m.high_value
                                THEN CASE m.class WHEN 'critical' THEN 15 WHEN 'major' THEN 30
                                                  ELSE 60 END
                                ELSE CASE m.class WHEN 'critical' THEN 30 WHEN 'major' THEN 60
                                                  ELSE 120 END
                           END AS resp_target,
                           CASE WHEN m.high_value
                                THEN CASE m.class WHEN 'critical' THEN 240 ELSE 1440 END
                                ELSE CASE m.class WHEN 'critical' THEN 480 WHEN 'major' THEN 2880
                                                  ELSE 1440 END
                           END AS res_target
                    FROM (
                        SELECT k.*, COALESCE(NULLIF(k.classification, ''), 'minor') AS class
                        FROM (
                            SELECT a.*,
                                   {high_value} AS high_value,
                                   CASE WHEN (a.stage = 'received' OR a.early_close)
                                             AND a.r_unclassified < 0.6 THEN ''
                                        WHEN a.cohort = 'outage' THEN {outage_classification}
                                        ELSE {classification} END AS classification
                            FROM (
                                -- Customer, owners and age.
                                SELECT o.*,
                                       o.close_reason IN ('duplicate', 'invalid') AS early_close,
                                       CASE WHEN o.s IS NOT NULL THEN mod(o.s, %(customers)s)
                                            ELSE floor(o.r_customer * %(customers)s)::bigint END AS c,
                                       CASE WHEN o.channel NOT IN ('email', 'portal')
                                            THEN {pick_sql("agents", "o.r_agent")} END AS logged_by,
                                       CASE WHEN o.category IN ('network', 'service')
                                            THEN %(net_team)s ELSE %(bill_team)s END AS route_team,
                                       CASE WHEN o.category IN ('network', 'service')
                                            THEN {pick_sql("net_techs", "o.r_pick")}
                                            ELSE {pick_sql("bill_techs", "o.r_pick")} END AS technician,
                                       %(now)s - o.reported_at AS age,
                                       extract(epoch FROM %(now)s - o.reported_at) / 60 AS age_minutes
                                FROM (
                                    -- Lot, category, channel, service; the number's sequence.
                                    SELECT p.*, nextval('ticket_number_seq') AS number_seq,
                                           CASE p.cohort WHEN 'outage' THEN {outage_stage}
                                                         WHEN 'closed' THEN 'closed'
                                                         ELSE p.cohort END AS stage,
                                           CASE WHEN p.cohort = 'closed' THEN {close_reason}
                                                ELSE '' END AS close_reason,
                                           CASE WHEN p.cohort = 'outage' THEN {outage_category}
                                                ELSE {category} END AS category,
                                           CASE WHEN p.cohort = 'outage' THEN {outage_channel}
                                                ELSE {channel} END AS channel,
                                           -- Outage tickets come from services in its region.
                                           CASE WHEN p.cohort = 'outage'
                                                THEN LEAST(%(services)s - 1,
                                                     50 * floor(p.r_service
                                                                * floor(%(services)s / 50.0))::bigint
                                                     + {low} + floor(p.r_slot * {width})::bigint)
                                                WHEN p.r_has_service < 0.85
                                                THEN floor(p.r_service * %(services)s)::bigint END AS s
                                    FROM bench_plan p
                                    WHERE p.seq BETWEEN %(lo)s AND %(hi)s
                                    ORDER BY p.seq
                                    OFFSET 0
                                ) AS o
                                        ) AS a
                                    ) AS k
                                ) AS m
                            ) AS r
                        ) AS s
                    ) AS t
                ) AS u
            ) AS v
        ) AS c
    ) AS x
    """  # noqa: S608 (the only interpolations are built from module constants)


LEVEL_ROLE_SQL = "CASE {level} WHEN 1 THEN 'supervisor' WHEN 2 THEN 'manager' ELSE 'director' END"


def _acknowledger_sql(level: str) -> str:
    return (
        f"CASE {level} WHEN 1 THEN {pick_sql('supervisors', 'random()')} "
        f"WHEN 2 THEN {pick_sql('managers', 'random()')} ELSE {pick_sql('directors', 'random()')} END"
    )


def desk_past_escalations(cursor: Any, params: dict[str, Any]) -> None:
    """The escalations of clocks that stopped late (every level whose delay after the deadline passed
    before the clock stopped, by the seeded rules, as the watcher raised them), of rejected fixes and of
    complaints made in public (level 2 at once); acknowledged within minutes to hours (all of a closed
    ticket's, 60 % of an open one's); who was notified (everyone in the level's group); each ticket's
    level. The open tickets' running clocks are escalated by the watcher itself (desk_sweeps)."""
    rules = f"""
        JOIN {T.rule} r ON r.is_active AND r.trigger = '{{trigger}}'
         AND r.classification = COALESCE(NULLIF(t.classification, ''), 'minor')
    """
    cursor.execute(
        f"""
        INSERT INTO {T.escalation} (ticket_id, level, reason, note, raised_at, acknowledged_at,
                                    acknowledged_by_id)
        SELECT e.ticket_id, e.level, e.reason, '', e.raised_at,
               CASE WHEN e.closed_at IS NOT NULL
                         OR (random() < 0.6 AND e.raised_at < %(now)s - interval '1 hour')
                    THEN LEAST(e.raised_at + (5 + random() * 115) * interval '1 minute',
                               COALESCE(e.closed_at, %(now)s), %(now)s - interval '1 minute') END,
               {_acknowledger_sql("e.level")}
        FROM (
            SELECT t.id AS ticket_id, r.level, 'response_breach' AS reason, t.closed_at,
                   t.first_response_due + make_interval(mins => r.delay_minutes)
                       + random() * interval '50 seconds' AS raised_at
            FROM {T.ticket} t {rules.format(trigger="response_breach")}
            WHERE t.response_sla = 'missed'
              AND t.first_response_due + make_interval(mins => r.delay_minutes)
                  <= COALESCE(t.first_responded_at, t.resolved_at, t.closed_at)
            UNION ALL
            SELECT t.id, r.level, 'resolution_breach', t.closed_at,
                   t.resolution_due + make_interval(mins => r.delay_minutes)
                       + random() * interval '50 seconds'
            FROM {T.ticket} t {rules.format(trigger="resolution_breach")}
            WHERE t.resolution_sla = 'missed'
              AND t.resolution_due + make_interval(mins => r.delay_minutes)
                  <= COALESCE(t.first_resolved_at, t.closed_at)
            UNION ALL
            -- A rejected fix: level 1, and level 2 at the second rejection.
            SELECT t.id, l.level, 'dissatisfaction', t.closed_at,
                   t.dispatched_at + (t.resolved_at - t.dispatched_at) * (0.3 + 0.2 * l.level)
            FROM {T.ticket} t CROSS JOIN (VALUES (1), (2)) AS l(level)
            WHERE t.rejection_count >= l.level
            UNION ALL
            SELECT t.id, 2, 'public_exposure', t.closed_at, t.reported_at + interval '1 minute'
            FROM {T.ticket} t WHERE t.public_exposure
        ) AS e
        """,  # noqa: S608
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO {T.notified} (escalation_id, user_id)
        SELECT e.id, ug.user_id
        FROM {T.escalation} e
        JOIN {T.group} g ON g.name = {LEVEL_ROLE_SQL.format(level="e.level")}
        JOIN {T.user_groups} ug ON ug.group_id = g.id
        """  # noqa: S608
    )
    cursor.execute(
        f"""
        UPDATE {T.ticket} t SET escalation_level = m.level
        FROM (SELECT ticket_id, max(level) AS level FROM {T.escalation} GROUP BY ticket_id) AS m
        WHERE t.id = m.ticket_id
        """  # noqa: S608
    )


DETAILED = "(t.closed_at IS NULL OR t.reported_at > %(detailed_since)s)"
# Who gave the first reply: the technician once dispatched, else whoever logged it, else an agent.
REPLIER = """COALESCE(CASE WHEN t.first_responded_at >= t.dispatched_at THEN t.assignee_id END,
                      t.created_by_id, (%(agents)s::int[])[1 + mod(t.id, cardinality(%(agents)s::int[]))])"""


def desk_history(cursor: Any, params: dict[str, Any]) -> None:
    """History rows. Tickets closed before the last DETAILED_DAYS: one 'created' row as the ticket is
    now (as the other kinds write it). The others carry their story as pghistory writes it: 'created'
    as logged, then a 'changed' row per step (verify, first reply, dispatch, pause, resolve, confirm,
    close) with the ticket as it was after it, and a context (action, who, via) per action and person."""
    columns = history_columns(cursor)
    names = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(
        f"""
        INSERT INTO {T.history} (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {names})
        SELECT created_at, 'created', id, NULL, {names} FROM {T.ticket} t WHERE NOT {DETAILED}
        """,  # noqa: S608 (column names read from the catalogue)
        params,
    )
    cursor.execute(
        f"""
        CREATE UNLOGGED TABLE bench_context AS
        SELECT gen_random_uuid() AS id, a.action, u.id AS user_id, u.username
        FROM unnest(ARRAY['create', 'verify', 'respond', 'dispatch', 'pause', 'resolve', 'confirm',
                          'close']) AS a(action)
        CROSS JOIN {T.user} u WHERE u.username LIKE 'bench-%%'
        UNION ALL
        SELECT gen_random_uuid(), 'create', NULL, NULL
        """  # noqa: S608
    )
    cursor.execute(
        f"""
        INSERT INTO {T.context} (id, created_at, updated_at, metadata)
        SELECT id, %(now)s, %(now)s,
               jsonb_build_object('user', user_id, 'username', COALESCE(username, 'customer'),
                                  'via', CASE WHEN user_id IS NULL THEN 'portal' ELSE 'staff' END,
                                  'action', action)
        FROM bench_context
        """,  # noqa: S608
        params,
    )
    # Each step: when, its rank in the flow (-1: a step within a stage, ranked by time), what, who.
    agent = pick_sql("agents", "random()")
    steps = f"""
        SELECT t.id AS ticket_id, t.reported_at AS at, 0 AS rank, 'create' AS action, t.created_by_id AS actor
        FROM {T.ticket} t WHERE {DETAILED}
        UNION ALL SELECT t.id, t.verified_at, 1, 'verify', {pick_sql("support", "random()")}
        FROM {T.ticket} t WHERE {DETAILED} AND t.verified_at IS NOT NULL
        UNION ALL SELECT t.id, t.dispatched_at, 2, 'dispatch', {pick_sql("supervisors", "random()")}
        FROM {T.ticket} t WHERE {DETAILED} AND t.dispatched_at IS NOT NULL
        UNION ALL SELECT t.id, t.first_responded_at, -1, 'respond', {REPLIER}
        FROM {T.ticket} t WHERE {DETAILED} AND t.first_responded_at IS NOT NULL
        UNION ALL SELECT t.id, t.paused_at, -1, 'pause', COALESCE(t.assignee_id, {agent})
        FROM {T.ticket} t WHERE {DETAILED} AND t.paused
        UNION ALL SELECT t.id, t.resolved_at, 3, 'resolve', t.assignee_id
        FROM {T.ticket} t WHERE {DETAILED} AND t.resolved_at IS NOT NULL
        UNION ALL SELECT t.id, t.confirmed_at, 4, 'confirm', {agent}
        FROM {T.ticket} t WHERE {DETAILED} AND t.confirmed_at IS NOT NULL
        UNION ALL SELECT t.id, t.closed_at, 5, 'close', {agent}
        FROM {T.ticket} t WHERE {DETAILED} AND t.closed_at IS NOT NULL
    """  # noqa: S608 (module constants)
    at_rank = """CASE WHEN t.closed_at <= h.at THEN 5 WHEN t.confirmed_at <= h.at THEN 4
                      WHEN t.resolved_at <= h.at THEN 3 WHEN t.dispatched_at <= h.at THEN 2
                      WHEN t.verified_at <= h.at THEN 1 ELSE 0 END"""
    # The ticket as it was after the step (f.k: how far through the flow it was).
    as_it_was = {
        "classification": "CASE WHEN f.k >= 1 OR t.verified_at IS NULL THEN t.classification ELSE '' END",
        "service_status_checked": "f.k >= 1 AND t.service_status_checked",
        "billing_checked": "f.k >= 1 AND t.billing_checked",
        "verified_service_status": "CASE WHEN f.k >= 1 THEN t.verified_service_status ELSE '' END",
        "verified_billing_status": "CASE WHEN f.k >= 1 THEN t.verified_billing_status ELSE '' END",
        "stage": "CASE f.k WHEN 0 THEN 'received' WHEN 1 THEN 'verified' WHEN 2 THEN 'dispatched' "
        "WHEN 3 THEN 'resolved' WHEN 4 THEN 'confirmed' ELSE t.stage END",
        "team_id": "CASE WHEN f.k >= 2 THEN t.team_id ELSE %(care_team)s END",
        "assignee_id": "CASE WHEN f.k >= 2 THEN t.assignee_id ELSE t.created_by_id END",
        "first_responded_at": "CASE WHEN t.first_responded_at <= h.at THEN t.first_responded_at END",
        "response_sla": (
            "CASE WHEN t.first_responded_at <= h.at OR f.k >= 3 THEN t.response_sla ELSE 'ok' END"
        ),
        "paused": "t.paused AND t.paused_at <= h.at",
        "resolved_at": "CASE WHEN f.k >= 3 THEN t.resolved_at END",
        "rca_id": "CASE WHEN f.k >= 3 THEN t.rca_id END",
        "resolution_sla": "CASE WHEN f.k >= 3 THEN t.resolution_sla ELSE 'ok' END",
        "rejection_count": "CASE WHEN f.k >= 3 THEN t.rejection_count ELSE 0 END",
        "confirmed_at": "CASE WHEN f.k >= 4 THEN t.confirmed_at END",
        "closed_at": "CASE WHEN f.k >= 5 THEN t.closed_at END",
        "close_reason": "CASE WHEN f.k >= 5 THEN t.close_reason ELSE '' END",
        "duplicate_of_id": "CASE WHEN f.k >= 5 THEN t.duplicate_of_id END",
        "escalation_level": "CASE WHEN f.k >= 5 THEN t.escalation_level ELSE 0 END",
        "stage_sla": "'ok'",
    }
    values = ", ".join(as_it_was.get(column, f't."{column}"') for column in columns)
    # Ordered by ticket and time: the history is read in pgh_id order (tickets.selectors.ticket_history).
    cursor.execute(
        f"""
        INSERT INTO {T.history} (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {names})
        SELECT h.at, CASE WHEN h.action = 'create' THEN 'created' ELSE 'changed' END, t.id, c.id, {values}
        FROM ({steps}) AS h
        JOIN {T.ticket} t ON t.id = h.ticket_id
        CROSS JOIN LATERAL (SELECT CASE WHEN h.rank >= 0 THEN h.rank ELSE {at_rank} END AS k) AS f
        LEFT JOIN bench_context c ON c.action = h.action AND COALESCE(c.user_id, 0) = COALESCE(h.actor, 0)
        ORDER BY h.ticket_id, h.at, f.k
        """,  # noqa: S608 (column names read from the catalogue, the rest constants)
        params,
    )
    cursor.execute("DROP TABLE bench_context")


def desk_messages(cursor: Any, params: dict[str, Any]) -> None:
    """Every ticket: the automatic acknowledgement and the first reply (a logged contact for phone and
    walk-in). Open and recent ones also: a customer's message (40 %), the technician's internal note
    after dispatch, the reply with the fix."""
    reply = f"({text_array(REPLIES)})[1 + mod(t.id, {len(REPLIES)})::int]"
    note = f"({text_array(NOTES)})[1 + mod(t.id, {len(NOTES)})::int]"
    said = f"({text_array(CUSTOMER_MESSAGES)})[1 + mod(t.id / 7, {len(CUSTOMER_MESSAGES)})::int]"
    cursor.execute(
        f"""
        INSERT INTO {T.message} (ticket_id, kind, author_id, channel, body, created_at)
        SELECT t.id, 'acknowledgement', NULL, t.channel,
               'Kami telah menerima keluhan Anda. Nomor tiket Anda adalah ' || t.number || '.',
               t.reported_at + interval '1 second'
        FROM {T.ticket} t
        UNION ALL
        SELECT t.id, CASE WHEN t.channel IN ('phone', 'walk_in') THEN 'contact' ELSE 'reply' END,
               {REPLIER}, t.channel, {reply}, t.first_responded_at
        FROM {T.ticket} t WHERE t.first_responded_at IS NOT NULL
        UNION ALL
        SELECT t.id, 'customer', NULL, t.channel, {said},
               t.reported_at + (COALESCE(t.closed_at, %(now)s) - t.reported_at) * 0.2
        FROM {T.ticket} t WHERE {DETAILED} AND random() < 0.4
        UNION ALL
        SELECT t.id, 'note', COALESCE(t.assignee_id, {pick_sql("supervisors", "random()")}), '', {note},
               t.dispatched_at + interval '15 minutes'
        FROM {T.ticket} t WHERE {DETAILED} AND t.dispatched_at IS NOT NULL
        UNION ALL
        SELECT t.id, 'reply', t.assignee_id, t.channel,
               'Gangguan sudah kami perbaiki. Mohon konfirmasi apakah layanan sudah normal kembali.',
               t.resolved_at
        FROM {T.ticket} t WHERE {DETAILED} AND t.resolved_at IS NOT NULL
        """,  # noqa: S608
        params,
    )


def desk_sla_events(cursor: Any) -> None:
    """The watcher's facts about clocks that have stopped: at risk when the risk point passed before the
    clock stopped, breached when the deadline did (within a minute of it, as a sweep records them)."""
    response_stop = "COALESCE(first_responded_at, resolved_at, closed_at)"
    resolution_stop = "COALESCE(first_resolved_at, closed_at)"
    cursor.execute(
        f"""
        INSERT INTO {T.sla_event} (ticket_id, target, kind, due, recorded_at)
        SELECT id, 'response', 'at_risk', first_response_due,
               first_response_risk_at + random() * interval '50 seconds'
        FROM {T.ticket} WHERE response_sla IN ('met', 'missed') AND first_response_risk_at < {response_stop}
        UNION ALL
        SELECT id, 'response', 'breached', first_response_due,
               first_response_due + random() * interval '50 seconds'
        FROM {T.ticket} WHERE response_sla = 'missed'
        UNION ALL
        SELECT id, 'resolution', 'at_risk', resolution_due,
               resolution_risk_at + random() * interval '50 seconds'
        FROM {T.ticket} WHERE resolution_sla IN ('met', 'missed') AND resolution_risk_at < {resolution_stop}
        UNION ALL
        SELECT id, 'resolution', 'breached', resolution_due, resolution_due + random() * interval '50 seconds'
        FROM {T.ticket} WHERE resolution_sla = 'missed'
        """  # noqa: S608
    )


def desk_notifications(cursor: Any, params: dict[str, Any]) -> None:
    """What the desk owed people for the past, as the watcher writes it (one email and one inbox entry
    per person, gathered per hour into a digest when there are several tickets): escalations to their
    level's group, warnings to whoever held the ticket then; and the emails to customers of open and recent
    tickets (received, reply, resolved, closed). Sent; the inbox entries older than a day read."""
    read = (
        "CASE WHEN ch.channel = 'inbox' AND (m.at < %(now)s - interval '1 day' OR random() < 0.5) "
        "THEN LEAST(m.at + random() * interval '4 hours', %(now)s) END"
    )
    columns = """(channel, recipient_id, email, language, template, context, ticket_id, dedupe_key,
                  created_at, sent_at, attempts, last_error, read_at)"""
    cursor.execute(
        f"""
        INSERT INTO {T.notification} {columns}
        SELECT ch.channel, m.user_id, CASE WHEN ch.channel = 'email' THEN m.email ELSE '' END, 'id',
               CASE WHEN m.n = 1 THEN 'escalation_raised' ELSE 'escalation_digest' END,
               CASE WHEN m.n = 1
                    THEN jsonb_build_object('number', m.number, 'level', m.level, 'reason', m.reason,
                                            'note', '', 'escalation_id', m.first_id)
                    ELSE jsonb_build_object('level', m.level, 'reason', m.reason, 'count', m.n,
                                            'tickets', m.tickets) END,
               CASE WHEN m.n = 1 THEN m.ticket_id END, NULL, m.at, m.at + interval '5 seconds',
               CASE WHEN ch.channel = 'email' THEN 1 ELSE 0 END, '', {read}
        FROM (
            SELECT n.user_id, u.email, e.level, e.reason, min(e.raised_at) AS at, count(*) AS n,
                   min(e.id) AS first_id,
                   (array_agg(e.ticket_id ORDER BY e.id))[1] AS ticket_id,
                   (array_agg(t.number ORDER BY e.id))[1] AS number,
                   to_jsonb((array_agg(jsonb_build_object('number', t.number) ORDER BY t.number))[1:50])
                       AS tickets
            FROM {T.escalation} e
            JOIN {T.notified} n ON n.escalation_id = e.id
            JOIN {T.user} u ON u.id = n.user_id
            JOIN {T.ticket} t ON t.id = e.ticket_id
            GROUP BY n.user_id, u.email, e.level, e.reason, date_trunc('hour', e.raised_at)
        ) AS m
        CROSS JOIN (VALUES ('email'), ('inbox')) AS ch(channel)
        WHERE ch.channel = 'inbox' OR m.email <> ''
        """,  # noqa: S608
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO {T.notification} {columns}
        SELECT ch.channel, m.user_id, CASE WHEN ch.channel = 'email' THEN m.email ELSE '' END, 'id',
               CASE WHEN m.n = 1 THEN 'sla_warning' ELSE 'sla_warning_digest' END,
               CASE WHEN m.n = 1
                    THEN jsonb_build_object('number', m.number, 'target', m.target, 'kind', m.kind,
                                            'due', m.due)
                    ELSE jsonb_build_object('target', m.target, 'kind', m.kind, 'count', m.n,
                                            'tickets', m.tickets) END,
               CASE WHEN m.n = 1 THEN m.ticket_id END, NULL, m.at, m.at + interval '5 seconds',
               CASE WHEN ch.channel = 'email' THEN 1 ELSE 0 END, '', {read}
        FROM (
            SELECT o.user_id, u.email, o.target, o.kind, min(o.recorded_at) AS at,
                   count(*) AS n, min(o.due) AS due,
                   (array_agg(o.ticket_id ORDER BY o.due, o.ticket_id))[1] AS ticket_id,
                   (array_agg(o.number ORDER BY o.due, o.ticket_id))[1] AS number,
                   to_jsonb((array_agg(jsonb_build_object('number', o.number, 'due', o.due)
                                       ORDER BY o.due, o.ticket_id))[1:50]) AS tickets
            FROM (
                -- Who held the ticket then: before dispatch, whoever logged it.
                SELECT e.*, t.number,
                       CASE WHEN t.dispatched_at IS NULL OR e.recorded_at < t.dispatched_at
                            THEN COALESCE(t.created_by_id, t.assignee_id) ELSE t.assignee_id END AS user_id
                FROM {T.sla_event} e JOIN {T.ticket} t ON t.id = e.ticket_id
            ) AS o
            JOIN {T.user} u ON u.id = o.user_id
            GROUP BY o.user_id, u.email, o.target, o.kind, date_trunc('hour', o.recorded_at)
        ) AS m
        CROSS JOIN (VALUES ('email'), ('inbox')) AS ch(channel)
        WHERE ch.channel = 'inbox' OR m.email <> ''
        """,  # noqa: S608
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO {T.notification} {columns}
        SELECT 'email', NULL, c.email, 'id', m.template, m.context, t.id, NULL, m.at,
               m.at + interval '5 seconds', 1, '', NULL
        FROM {T.ticket} t
        JOIN {T.customer} c ON c.id = t.customer_id
        CROSS JOIN LATERAL (VALUES
            ('ticket_received', jsonb_build_object('number', t.number), t.reported_at + interval '2 seconds'),
            ('ticket_reply',
             jsonb_build_object('number', t.number,
                                'body', 'Terima kasih, keluhan Anda sedang kami periksa.'),
             t.first_responded_at),
            ('ticket_resolved', jsonb_build_object('number', t.number), t.resolved_at),
            ('ticket_closed', jsonb_build_object('number', t.number), t.closed_at)
        ) AS m(template, context, at)
        WHERE {DETAILED} AND m.at IS NOT NULL AND c.email <> ''
        """,  # noqa: S608
        params,
    )


def desk_pauses_and_ratings(cursor: Any, params: dict[str, Any]) -> None:
    """The open pause of each ticket waiting for its customer; a rating for 30 % of confirmed fixes."""
    cursor.execute(
        f"""
        INSERT INTO {T.pause} (ticket_id, started_at, started_by_id)
        SELECT id, paused_at, assignee_id FROM {T.ticket} WHERE paused
        """  # noqa: S608
    )
    nps = choice_sql(
        "r.r_nps", [("NULL", 1)] + [(str(v), 1) for v in range(11)] + [("9", 1), ("10", 1), ("8", 1)]
    )
    csat = choice_sql("r.r_csat", [("1", 5), ("2", 8), ("3", 17), ("4", 40), ("5", 30)])
    cursor.execute(
        f"""
        INSERT INTO {T.rating} (ticket_id, csat, nps, comment, via, created_at)
        SELECT r.id, {csat}, {nps}, '', 'portal',
               LEAST(r.confirmed_at + random() * interval '2 hours', %(now)s)
        FROM (SELECT id, confirmed_at, random() AS r_csat, random() AS r_nps
              FROM {T.ticket} WHERE confirmed_at IS NOT NULL AND random() < 0.3 OFFSET 0) AS r
        """,  # noqa: S608
        params,
    )


def desk_sweeps(now: dt.datetime) -> None:
    """The application's own SLA watcher at each of `desk_sweep_times`: it marks the open tickets' clocks
    at risk and breached, records the SLA events, escalates (the outage's tickets to levels 2 and 3 as
    the rules' delays pass), and writes the warnings and escalation notifications, as in production."""
    from sla import services

    times = desk_sweep_times(now)
    recorded = escalated = 0
    for index, moment in enumerate(times, 1):
        result = services.sla_sweep(now=moment)
        recorded += result.total_recorded
        escalated += result.total_escalations
        if index % 50 == 0 or index == len(times):
            log(
                f"sweep {index}/{len(times)} at {moment:%Y-%m-%d %H:%M}: {recorded:,} SLA events, "
                f"{escalated:,} escalations so far"
            )


def desk_after_sweeps(cursor: Any, params: dict[str, Any]) -> None:
    """Supervisors, managers and the director acknowledged some of what the watcher raised an hour ago
    or more (ACKNOWLEDGED_SHARE); the worker sent the emails the sweeps owed; half the inbox entries older
    than six hours were read."""
    cursor.execute(
        f"""
        UPDATE {T.escalation} e
        SET acknowledged_at = LEAST(e.raised_at + (10 + random() * 170) * interval '1 minute',
                                    %(now)s - interval '1 minute'),
            acknowledged_by_id = {_acknowledger_sql("e.level")}
        WHERE e.acknowledged_at IS NULL AND e.raised_at < %(now)s - interval '1 hour'
          AND random() < %(share)s
        """,  # noqa: S608
        {**params, "share": ACKNOWLEDGED_SHARE},
    )
    cursor.execute(
        f"""
        UPDATE {T.notification} SET sent_at = created_at + interval '5 seconds', attempts = 1
        WHERE sent_at IS NULL AND created_at < %(now)s - interval '2 minutes'
        """,  # noqa: S608
        params,
    )
    cursor.execute(
        f"""
        UPDATE {T.notification} SET read_at = LEAST(created_at + random() * interval '3 hours', %(now)s)
        WHERE channel = 'inbox' AND read_at IS NULL AND created_at < %(now)s - interval '6 hours'
          AND random() < 0.5
        """,  # noqa: S608
        params,
    )


def desk_capa(cursor: Any, params: dict[str, Any]) -> None:
    """A CAPA report for one RCA in ten, with 1-4 actions each: the ones due already mostly done (60 % of
    those verified), some overdue; the others open or in progress."""
    cursor.execute(
        f"""
        INSERT INTO {T.capa} (title, rca_id, summary, author_id, status, close_reason, created_at, updated_at)
        SELECT 'CAPA: ' || left(r.problem_statement, 150), r.id,
               'Tindakan korektif dan preventif untuk RCA-' || r.id || '.',
               {pick_sql("technicians", "random()")}, 'open', '',
               LEAST(r.created_at + (1 + 4 * random()) * interval '1 day', %(now)s),
               LEAST(r.created_at + (1 + 4 * random()) * interval '1 day', %(now)s)
        FROM {T.rca} r WHERE mod(r.id, 10) = 0
        """,  # noqa: S608
        params,
    )
    due_status = choice_sql(
        "z.r_status", [("'done'", 70), ("'cancelled'", 5), ("'in_progress'", 10), ("'open'", 15)]
    )
    later_status = choice_sql("z.r_status", [("'open'", 50), ("'in_progress'", 35), ("'done'", 15)])
    cursor.execute(
        f"""
        INSERT INTO {T.capa_action} (report_id, kind, description, owner_id, due_date, status, completed_at,
                                     verified, verified_by_id, verified_at, verification_note, created_at,
                                     updated_at)
        SELECT b.report_id, b.kind, b.description, b.owner_id, b.due_date, b.status,
               CASE WHEN b.status = 'done' THEN b.completed_at END,
               b.is_verified, CASE WHEN b.is_verified THEN b.verifier END,
               CASE WHEN b.is_verified THEN LEAST(b.completed_at + interval '2 days', %(now)s) END,
               CASE WHEN b.is_verified THEN 'Sudah dicek: gangguan tidak berulang.' ELSE '' END,
               b.created_at, GREATEST(b.created_at, LEAST(b.completed_at, %(now)s))
        FROM (
            SELECT a.*, a.status = 'done' AND a.r_verify < 0.6 AS is_verified,
                   a.created_at + (LEAST(a.due_date::timestamp, %(now)s::timestamp) - a.created_at::timestamp)
                       * (0.3 + 0.6 * a.r_done) AS completed_at
            FROM (
                SELECT z.*,
                       CASE WHEN z.due_date < (%(now)s AT TIME ZONE 'Asia/Jakarta')::date
                            THEN {due_status} ELSE {later_status} END AS status
                FROM (
                    SELECT c.id AS report_id, c.created_at,
                           CASE WHEN mod(c.id + n, 2) = 0 THEN 'corrective' ELSE 'preventive' END AS kind,
                           'Tindakan ' || n || ' untuk ' || c.title AS description,
                           CASE WHEN mod(c.id + n, 5) = 0 THEN {pick_sql("analysts", "random()")}
                                ELSE {pick_sql("technicians", "random()")} END AS owner_id,
                           (c.created_at AT TIME ZONE 'Asia/Jakarta')::date + 7 + floor(random() * 60)::int
                               AS due_date,
                           {pick_sql("analysts", "random()")} AS verifier,
                           random() AS r_status, random() AS r_verify, random() AS r_done
                    FROM {T.capa} c CROSS JOIN LATERAL generate_series(1, 1 + mod(c.id, 4)::int) AS n
                    OFFSET 0
                ) AS z
            ) AS a
        ) AS b
        """,  # noqa: S608
        params,
    )


def desk_surveys(cursor: Any, params: dict[str, Any], *, start: dt.datetime, now: dt.datetime) -> None:
    """A CSI campaign for each half year within the period whose invitations went out (the day after it
    ended): every customer with a ticket closed in it invited, a quarter answered."""
    local_start = start.astimezone(JAKARTA).date()
    local_now = now.astimezone(JAKARTA)
    score = choice_sql("{r}", [("1", 5), ("2", 8), ("3", 17), ("4", 40), ("5", 30)])
    for year in range(local_start.year, local_now.year + 1):
        for first, last in (
            (dt.date(year, 1, 1), dt.date(year, 6, 30)),
            (dt.date(year, 7, 1), dt.date(year, 12, 31)),
        ):
            sent = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(9), tzinfo=JAKARTA)
            if first < local_start or sent >= local_now:
                continue
            closes = sent + dt.timedelta(days=30)
            cursor.execute(
                f"""
                INSERT INTO {T.campaign} (name, period_start, period_end, sent_at, closes_at, created_by_id,
                                          created_at)
                VALUES (%(name)s, %(first)s, %(last)s, %(sent)s, %(closes)s, %(analyst)s, %(sent)s)
                RETURNING id
                """,  # noqa: S608
                {
                    "name": f"CSI {year} H{1 if first.month == 1 else 2}",
                    "first": first,
                    "last": last,
                    "sent": sent - dt.timedelta(hours=1),
                    "closes": closes,
                    "analyst": params["analysts"][0],
                },
            )
            (campaign,) = cursor.fetchone()
            cursor.execute(
                f"""
                INSERT INTO {T.invitation} (campaign_id, customer_id, email, token, sent_at, answered_at,
                                            score_overall, score_speed, score_quality, score_communication,
                                            comment)
                SELECT %(campaign)s, i.id, i.email,
                       md5(random()::text || i.id) || md5(i.id::text || random()::text),
                       %(sent)s,
                       CASE WHEN i.answered
                            THEN %(sent)s + random() * (LEAST(%(closes)s, %(now)s) - %(sent)s) END,
                       CASE WHEN i.answered THEN {score.format(r="i.r1")} END,
                       CASE WHEN i.answered THEN {score.format(r="i.r2")} END,
                       CASE WHEN i.answered THEN {score.format(r="i.r3")} END,
                       CASE WHEN i.answered THEN {score.format(r="i.r4")} END,
                       ''
                FROM (
                    SELECT c.id, c.email, random() < 0.25 AS answered,
                           random() AS r1, random() AS r2, random() AS r3, random() AS r4
                    FROM {T.customer} c
                    WHERE c.email <> '' AND EXISTS (
                        SELECT 1 FROM {T.ticket} t
                        WHERE t.customer_id = c.id AND t.closed_at >= %(from)s AND t.closed_at < %(until)s)
                    OFFSET 0
                ) AS i
                """,  # noqa: S608
                {
                    "campaign": campaign,
                    "sent": sent,
                    "closes": closes,
                    "now": now,
                    "from": dt.datetime.combine(first, dt.time(), tzinfo=JAKARTA),
                    "until": dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=JAKARTA),
                },
            )
            # The counts and totals the campaign keeps (reports.services.surveys keeps them as the desk runs).
            cursor.execute(
                f"""
                UPDATE {T.campaign} AS c
                SET invited_count = s.invited, answered_count = s.answered,
                    total_overall = s.overall, total_speed = s.speed, total_quality = s.quality,
                    total_communication = s.communication
                FROM (
                    SELECT count(*) AS invited, count(answered_at) AS answered,
                           COALESCE(sum(score_overall), 0) AS overall, COALESCE(sum(score_speed), 0) AS speed,
                           COALESCE(sum(score_quality), 0) AS quality,
                           COALESCE(sum(score_communication), 0) AS communication
                    FROM {T.invitation} WHERE campaign_id = %(c)s
                ) AS s
                WHERE c.id = %(c)s
                """,  # noqa: S608
                {"c": campaign},
            )


def desk_monthly_reports(*, start: dt.datetime, now: dt.datetime) -> None:
    """The monthly snapshots of every month that ended within the period, oldest first (each one's trend
    reads the ones before), built by the application's own service."""
    from reports import services

    first = start.astimezone(JAKARTA).date().replace(day=1)
    month = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    built = 0
    while month_bounds(month)[1] <= now:
        services.monthly_report_build(month=month, rebuild=True, now=now)
        built += 1
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    log(f"{built} monthly snapshots")


# --- Kind "outage": the desk, and the customers of one region who all complain at once -----------------
# (bench/mass_outage.py)

# The region and kind of service of the bench's incident: another region than the desk's own outage
# (Makassar, OUTAGE_REGION), so that the incident's complaints are only the ones the bench files.
OUTAGE_BENCH_REGION = "bpn"  # Balikpapan (WITA), the other end of the cable
OUTAGE_BENCH_KIND = "fiber"
OUTAGE_BENCH_REFERENCE = "OUT-"  # the prefix of their services' references


def generate_outage(*, tickets: int, now: dt.datetime, customers: int = 100_000) -> dict[str, float]:
    """The "desk" data set of `tickets` tickets, then `customers` more customers in OUTAGE_BENCH_REGION,
    each with one OUTAGE_BENCH_KIND service there (reference OUT-<n>) and a contact of their own
    (gangguan<n>@…, +62858<n>), who have filed nothing yet: the people a cable cut makes complain."""
    from django.db import connection

    timings = generate_desk(tickets=tickets, now=now)
    done = f"{customers:,} customers of the outage region"
    with connection.cursor() as cursor, step(timings, "outage_customers_s", done):
        (region,) = fetch_one(f"SELECT id FROM {T.region} WHERE code = %s", [OUTAGE_BENCH_REGION])  # noqa: S608
        cursor.execute(
            f"""
            WITH made AS (
                INSERT INTO {T.customer} (name, email, phone, tier, created_at, region_id)
                SELECT 'Pelanggan Balikpapan ' || g, 'gangguan' || g || '@pelanggan-bpn.example.co.id',
                       '+62858' || lpad(g::text, 8, '0'),
                       CASE WHEN mod(g, 12) = 0 THEN 'high_value' ELSE 'regular' END,
                       %(now)s - random() * interval '900 days', %(region)s
                FROM generate_series(1, %(n)s) AS g
                RETURNING id, region_id
            )
            INSERT INTO {T.service} (kind, reference, status, billing_status, overdue_amount, customer_id,
                                     region_id)
            SELECT %(kind)s, %(prefix)s || lpad(id::text, 9, '0'), 'outage', 'paid', 0, id, region_id
            FROM made
            """,  # noqa: S608 (module constants)
            {"now": now, "region": region, "n": customers, "kind": OUTAGE_BENCH_KIND,
             "prefix": OUTAGE_BENCH_REFERENCE},
        )  # fmt: skip
        cursor.execute(f"ANALYZE {T.customer}")
        cursor.execute(f"ANALYZE {T.service}")
    return timings


# --- Preparing a bench database ------------------------------------------------------------------------

GENERATORS: dict[str, Callable[..., dict[str, float]]] = {
    "sla": generate_sla,
    "month": generate_month,
    "desk": generate_desk,
    "outage": generate_outage,
}


@dataclass
class Generation:
    """What `prepare` did: reused the data (--keep) or generated them, with the mark the data carry."""

    reused: bool
    mark: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def now(self) -> dt.datetime:
        """The data's clock: when they were generated (the "month" kind: an hour after its month)."""
        return dt.datetime.fromisoformat(self.mark["now"])

    def summary(self) -> str:
        if self.reused:
            return f"reused (--keep): {describe(self.mark)}"
        total = self.timings.get("total_s", 0.0)
        return f"generated in {total:.0f} s ({total / 60:.1f} min), {self.mark.get('size', '?')} on disk"


def read_mark() -> dict[str, Any] | None:
    """The mark the generator left on the tickets table, or None (no data, or not this generator's)."""
    (text,) = fetch_one(f"SELECT obj_description('{T.ticket}'::regclass, 'pg_class')")
    try:
        mark = json.loads(text or "")
    except ValueError:
        return None
    return mark if isinstance(mark, dict) and mark.get("generator") == "bench/datagen.py" else None


def describe(mark: dict[str, Any] | None) -> str:
    if not mark:
        return "no data this generator made"
    return (
        f"kind {mark.get('kind')}, {mark.get('tickets', 0):,} tickets, generator version "
        f"{mark.get('version')}, generated {mark.get('generated_at', '?')}"
    )


def prepare(url: str, *, kind: str, tickets: int, keep: bool, **options: Any) -> Generation:
    """The bench database at `url` holding a `kind` data set of `tickets` tickets (`options` are the
    kind's, e.g. `customers` for "sla"): with `keep`, reused when it holds exactly that (same generator
    version, kind, size and options); otherwise dropped, recreated, migrated and generated. Django must
    be set up on `url` (`setup(url)`)."""
    from django.core.management import call_command
    from django.db import connection, connections

    if kind not in GENERATORS:
        raise ValueError(kind)
    wanted = {"kind": kind, "tickets": tickets, "version": VERSION, **options}
    if keep and database_exists(url):
        call_command("migrate", verbosity=0)
        mark = read_mark()
        if mark and all(mark.get(key) == value for key, value in wanted.items()):
            print(f"--keep: reusing the data ({describe(mark)})", flush=True)
            return Generation(reused=True, mark=mark)
        print(f"--keep: the database holds other data ({describe(mark)}); regenerating", flush=True)
    connections.close_all()
    print(f"generating the {kind!r} data set ({tickets:,} tickets) in {database_name(url)}", flush=True)
    recreate_database(url)
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with step(timings, "migrate_s", "database created and migrated"):
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # the database cache, when there is no Redis
    if kind == "month":
        now = month_now()
    elif kind == "sla":
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    else:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    timings |= GENERATORS[kind](tickets=tickets, now=now, **options)
    timings["total_s"] = time.perf_counter() - began
    # A fresh connection: the generation's own session settings (work_mem, synchronous_commit) must not
    # be what a bench then measures with, or reports.
    connections.close_all()
    mark = {
        "generator": "bench/datagen.py",
        **wanted,
        "now": now.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(timings["total_s"], 1),
        "size": database_size(),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON TABLE {T.ticket} IS %s", [json.dumps(mark)])
    log(f"{kind} data set ready: {json.dumps({k: round(v) for k, v in timings.items()})}")
    return Generation(reused=False, mark=mark, timings=timings)


def counts() -> dict[str, int]:
    """Rows of the main tables, for the benches' reports."""
    names = ["ticket", "history", "message", "sla_event", "escalation", "notified", "notification"]
    names += ["customer", "service", "rca", "capa", "capa_action", "invitation", "monthly"]
    return {name: table_rows(getattr(T, name)) for name in names}


def main() -> None:
    """`python bench/datagen.py --kind desk --tickets 10000 [--keep] [--database-url …] [--customers N]`:
    generate a data set on its own (the benches call `prepare` themselves); for the "outage" kind, give
    the `--customers` that `mass_outage.py` will ask for (its `--complaints`), so that its `--keep`
    reuses the data set."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--kind", choices=KINDS, default="desk")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--customers", type=int, help="the 'outage' kind's customers (mass_outage.py's --complaints)"
    )
    args = parser.parse_args()
    url = database_url(args.database_url, f"postgres://postgres@127.0.0.1:5432/helpdesk_bench_{args.kind}")
    setup(url)
    options = {"customers": args.customers} if args.customers is not None else {}
    generation = prepare(url, kind=args.kind, tickets=args.tickets, keep=args.keep, **options)
    print(generation.summary())
    print(json.dumps(counts()))


if __name__ == "__main__":
    main()
