#!/usr/bin/env python
"""Benchmark of every staff page and API list through a real gunicorn over HTTP (issue 15, "A million
tickets: every page and every list answers at once"). Prints figures; not a test.

    .venv/bin/python bench/pages.py                        # 10,000 and 1,000,000 tickets
    .venv/bin/python bench/pages.py --sizes 10000 --keep   # one size, reusing its data
    .venv/bin/python bench/pages.py --sizes 10000 --only console --requests 10 --explain

For each size, in a child process: the "desk" data set (bench/datagen.py) in its own database
(helpdesk_bench_pages_10k, _1m, …; `--keep` reuses it), then gunicorn (`helpdesk.wsgi`, 4 workers,
127.0.0.1 on a free port) with bench/settings.py (the base settings, DEBUG off, plus
bench/middleware.py, which reports each request's SQL statements and keeps its slowest). The bench signs
in as the role that uses each page (the login form, with its CSRF token; the API with a DRF token),
warms each page up, then times `--requests` requests one after another (fewer when a page has used its
`--budget` of seconds; at least `--min-requests`): p50 / p95 / max, status codes, response size, SQL
statements per request (min–max) and their time. A request that fails (5xx, no answer within 60 s) is
counted as such, with its time. The deep page of the queue follows the page's "next" link when it is a
cursor, else asks for the page number. `--explain`: EXPLAIN (ANALYZE, BUFFERS) of each page's slowest
statement, to bench/results/explain-<size>/.

Then, over the sizes: each page's p95 at the largest size against its target (queue tabs, sorts and
filters, the escalation queues, the board and every API list ≤ 150 ms; dashboard and monthly pages
≤ 300 ms, at 1,000,000 tickets) and the ratio of its p95 at the largest size to the smallest (≤ 2 for
every page), each printed "met" or "TARGET MISSED". Figures also as JSON in bench/results/.

Databases: helpdesk_bench_pages_<size> on `--server` (default postgres://postgres@127.0.0.1:5432);
$DATABASE_URL is never read.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import http.cookiejar
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen

ROOT = datagen.ROOT
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS = ("127.0.0.1", 6379)

TARGET_LIST_MS = 150.0
TARGET_REPORT_MS = 300.0
TARGET_RATIO = 2.0
TARGET_SIZE = 1_000_000  # the size the p95 targets are stated for
REQUEST_TIMEOUT = 60.0
GUNICORN_GRACE = 16  # gunicorn's --timeout is the client's plus 15 s
WORKERS = 4
NEXT_WORDS = {"next", "berikutnya", "›", "»"}  # the pager's "Next" in English and Indonesian


# --- Pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page or API list as one role reaches it. `path` may name fixtures ({ticket}, {month}, …);
    `deep`: the page of that number, reached through the pager (see `deep_path`)."""

    name: str
    path: str
    role: str
    target_ms: float | None = TARGET_LIST_MS
    api: bool = False
    deep: int = 0


LIST, REPORT, NONE = TARGET_LIST_MS, TARGET_REPORT_MS, None

PAGES = [
    # The console queue (tickets/urls.py): tabs, sort, deep page, filters.
    Page("console: All tab, default sort", "/console/?tab=all", "agent"),
    Page("console: All tab, default sort", "/console/?tab=all", "supervisor"),
    # Where each role lands (the queue's role tabs), and the built-in views.
    Page("console: landing, My tickets", "/console/", "agent"),
    Page("console: landing, Awaiting verification", "/console/", "support"),
    Page("console: landing, Unassigned at risk", "/console/", "supervisor"),
    Page("console: landing, My team", "/console/", "technician"),
    Page("console: view Customer confirmed", "/console/?tab=all&view=confirmed", "agent"),
    Page("console: view Waiting for the customer", "/console/?tab=all&view=waiting", "agent"),
    Page("console: view Breached today", "/console/?tab=all&view=breached_today", "supervisor"),
    Page("console: All tab", "/console/?tab=all", "technician"),
    Page("console: My team tab", "/console/?tab=team", "supervisor"),
    Page("console: My team tab", "/console/?tab=team", "technician"),
    Page("console: Unassigned tab", "/console/?tab=unassigned", "supervisor"),
    Page("console: Unassigned tab", "/console/?tab=unassigned", "technician"),
    Page("console: My tickets tab", "/console/?tab=mine", "agent"),
    Page("console: My tickets tab", "/console/?tab=mine", "technician"),
    Page("console: sorted by first response due", "/console/?ordering=first_response_due", "agent"),
    Page("console: page 100", "/console/?tab=all", "agent", deep=100),
    Page("console: stage + category filter", "/console/?stage=dispatched&category=network", "supervisor"),
    Page("console: SLA state breached", "/console/?sla_state=breached", "supervisor"),
    Page("console: search a customer's name", "/console/?search={customer_name}", "agent"),
    # The rest of the console.
    Page("console: customer look-up", "/console/customers/lookup/?q={lookup}", "agent", NONE),
    Page("console: ticket page (open)", "/console/tickets/{ticket}/", "agent", NONE),
    Page("console: ticket page (open)", "/console/tickets/{ticket}/", "technician", NONE),
    Page("console: ticket page (closed)", "/console/tickets/{closed_ticket}/", "agent", NONE),
    Page("console: inbox", "/console/inbox/", "supervisor", NONE),
    Page("console: new complaint form", "/console/tickets/new/", "agent", NONE),
    # Escalations (escalation/urls.py).
    Page("escalations: level 1 queue", "/escalations/?level=1", "supervisor"),
    Page("escalations: level 2 queue", "/escalations/?level=2", "manager"),
    Page("escalations: level 3 queue", "/escalations/?level=3", "director"),
    Page("escalations: live board", "/escalations/board/", "supervisor"),
    # Reports (reports/urls.py).
    Page("reports: dashboard (today)", "/reports/", "manager", REPORT),
    Page("reports: dashboard (this week)", "/reports/?period=week", "manager", REPORT),
    Page("reports: dashboard (this month)", "/reports/?period=month", "director", REPORT),
    Page("reports: monthly reports list", "/reports/monthly/", "manager", REPORT),
    Page("reports: monthly report", "/reports/monthly/{month}/", "manager", REPORT),
    Page("reports: CAPA reports", "/reports/capa/", "analyst", NONE),
    Page("reports: root cause analyses", "/reports/rca/", "technician", NONE),
    Page("reports: CSI surveys", "/reports/surveys/", "manager", NONE),
    # The API (*/api/urls.py; filters as API.md documents them).
    Page("api: tickets", "/api/tickets/", "agent", api=True),
    Page("api: tickets", "/api/tickets/", "technician", api=True),
    Page("api: tickets ?stage", "/api/tickets/?stage=dispatched", "agent", api=True),
    Page("api: tickets ?classification", "/api/tickets/?classification=critical", "agent", api=True),
    Page("api: tickets ?category", "/api/tickets/?category=billing", "agent", api=True),
    Page("api: tickets ?channel", "/api/tickets/?channel=whatsapp", "agent", api=True),
    Page("api: tickets ?team", "/api/tickets/?team={team}", "agent", api=True),
    Page("api: tickets ?assignee", "/api/tickets/?assignee={assignee}", "agent", api=True),
    Page("api: tickets ?sla_state", "/api/tickets/?sla_state=breached", "agent", api=True),
    Page("api: tickets ?escalation_level", "/api/tickets/?escalation_level=2", "agent", api=True),
    Page("api: tickets ?reported_after", "/api/tickets/?reported_after={week_ago}", "agent", api=True),
    Page("api: tickets ?reported_before", "/api/tickets/?reported_before={year_ago}", "agent", api=True),
    Page("api: tickets ?search", "/api/tickets/?search={customer_name}", "agent", api=True),
    Page("api: one ticket", "/api/tickets/{ticket}/", "agent", NONE, api=True),
    Page("api: one ticket's history", "/api/tickets/{ticket}/history/", "agent", NONE, api=True),
    Page("api: escalations", "/api/escalations/", "supervisor", api=True),
    Page("api: escalations ?level", "/api/escalations/?level=1", "supervisor", api=True),
    Page(
        "api: escalations ?acknowledged=false", "/api/escalations/?acknowledged=false", "supervisor", api=True
    ),
    Page(
        "api: escalations ?acknowledged=true", "/api/escalations/?acknowledged=true", "supervisor", api=True
    ),
    Page("api: customers", "/api/customers/", "agent", api=True),
    Page("api: customers ?search", "/api/customers/?search={customer_name}", "agent", api=True),
    Page("api: services", "/api/services/", "agent", api=True),
    Page("api: RCAs", "/api/rcas/", "analyst", api=True),
    Page("api: CAPA reports", "/api/capas/", "analyst", api=True),
    Page("api: reports overview", "/api/reports/overview/?period=day", "manager", REPORT, api=True),
    Page("api: monthly report (JSON)", "/api/reports/monthly/{month}/", "manager", REPORT, api=True),
]


def page_key(page: Page) -> str:
    return f"{page.name} [{page.role}]"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def size_label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


# --- HTTP ------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to measure (the login page for a role that may not see a page), not a
    second request to make."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int | str  # the HTTP status, or "timeout" / "error"
    seconds: float
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return not isinstance(self.status, int) or self.status >= 500


class Client:
    """One signed-in person: a session (cookies) or an API token."""

    def __init__(self, base: str, *, token: str | None = None) -> None:
        self.base = base
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, *, data: dict[str, str] | None = None, request_id: str = "") -> Answer:
        headers = {"User-Agent": "helpdesk-bench/pages"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if request_id:
            headers["X-Bench-Request-Id"] = request_id
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + path
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310 (http to 127.0.0.1)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                content = response.read()
                return Answer(response.status, time.perf_counter() - started, content, dict(response.headers))
        except urllib.error.HTTPError as exc:
            content = exc.read()
            return Answer(exc.code, time.perf_counter() - started, content, dict(exc.headers))
        except TimeoutError:
            return Answer("timeout", time.perf_counter() - started)
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            status = "timeout" if isinstance(reason, (TimeoutError, socket.timeout)) else "error"
            return Answer(status, time.perf_counter() - started)

    def sign_in(self, username: str, password: str) -> None:
        """The login form, as a browser fills it: its CSRF token, then the POST (302 when it worked)."""
        form = self.request("/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if form.status != 200 or match is None:
            sys.exit(f"the login page answered {form.status} without a CSRF token")
        answer = self.request(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password},
        )
        if answer.status != 302:
            sys.exit(f"signing in as {username} failed (HTTP {answer.status})")


class _NextLink(HTMLParser):
    """The pager's next link: an anchor with rel="next", else one whose text is "Next"."""

    def __init__(self) -> None:
        super().__init__()
        self.by_rel: str | None = None
        self.by_text: str | None = None
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and "next" in (values.get("rel") or "").split() and values.get("href"):
            self.by_rel = self.by_rel or values["href"]
        if tag == "a":
            self._href, self._text = values.get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            if "".join(self._text).strip().lower() in NEXT_WORDS:
                self.by_text = self.by_text or self._href
            self._href = None


def next_link(body: bytes) -> str | None:
    parser = _NextLink()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.by_rel or parser.by_text


def joined(path: str, link: str) -> str:
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(path, link))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def deep_path(client: Client, path: str, number: int) -> tuple[str, str]:
    """The path of page `number` of a list, and how it was reached: by following the "next" links
    when the pager's link is a cursor (no page number in it), else by asking for the page number."""
    answer = client.request(path)
    link = next_link(answer.body)
    if link is None:
        return joined(path, f"?{_with_page(path, number)}"), "page number (no next link: a single page)"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    if "page" in query:
        return joined(path, f"?{_with_page(path, number)}"), "page number (the pager links pages by number)"
    current = path
    for followed in range(1, number):
        current = joined(current, link)
        answer = client.request(current)
        following = next_link(answer.body)
        if following is None:
            return current, f"cursor, followed {followed} next links (the last page)"
        link = following
    return current, f"cursor, followed {number - 1} next links"


def _with_page(path: str, number: int) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    query["page"] = [str(number)]
    return urllib.parse.urlencode(query, doseq=True)


# --- One size: generate, serve, measure ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(REDIS, timeout=1):
        return True
    return False


def server_settings() -> dict[str, Any]:
    facts: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    for name in (
        "server_version",
        "shared_buffers",
        "effective_cache_size",
        "work_mem",
        "random_page_cost",
        "max_parallel_workers_per_gather",
        "jit",
        "max_wal_size",
        "synchronous_commit",
    ):
        facts[name] = datagen.fetch_one(f"SHOW {name}")[0]
    facts["database_size"] = datagen.database_size()
    return facts


def fixtures(now: dt.datetime) -> dict[str, str]:
    """What the pages' paths name, taken from the generated data: an open ticket held by the first
    technician (with its story: history, messages), an old closed one, a customer's name, the latest
    monthly snapshot, the first technician and their team."""
    from django.contrib.auth import get_user_model

    from reports.models import MonthlyReport
    from tickets.models import Team, Ticket

    technician = get_user_model().objects.get(username=datagen.username("technician"))
    team = Team.objects.get(name="Network Operation")
    ticket = (
        Ticket.objects.filter(stage="dispatched", assignee=technician, team=team)
        .select_related("customer")
        .order_by("-reported_at", "id")
        .first()
    ) or Ticket.objects.filter(stage="dispatched", team=team).select_related("customer").order_by(
        "id"
    ).first()
    if ticket is None:
        sys.exit("no dispatched ticket in Network Operation: the data set is not a desk")
    closed = Ticket.objects.filter(stage="closed").order_by("id")[Ticket.objects.count() // 3]
    name = ticket.customer.name
    first, _, last = name.partition(" ")
    month = MonthlyReport.objects.order_by("-month").values_list("month", flat=True).first()
    return {
        "ticket": ticket.number,
        "closed_ticket": closed.number,
        "customer_name": urllib.parse.quote(name),
        "lookup": urllib.parse.quote(f"{first} {last[:3]}".strip()),
        "month": month.strftime("%Y-%m") if month else "1970-01",
        "team": str(team.pk),
        "assignee": str(technician.pk),
        "week_ago": urllib.parse.quote((now - dt.timedelta(days=7)).isoformat()),
        "year_ago": urllib.parse.quote((now - dt.timedelta(days=365)).isoformat()),
    }


def tokens() -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    return {
        role: Token.objects.get(user__username=datagen.username(role)).key for role, _count in datagen.STAFF
    }


def collect_static() -> None:
    """Static files for the manifest storage (DEBUG off refuses a page whose assets it cannot name)."""
    manifest = RESULTS / "static" / "staticfiles.json"
    if manifest.exists():
        return
    datagen.log("collecting static files into bench/results/static (once)")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )


class Gunicorn:
    """The server under test, started and stopped by this process only."""

    def __init__(self, url: str, label: str, statement_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = RESULTS / f"gunicorn-{label}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": url,
            "DEBUG": "False",
            "LOG_LEVEL": "WARNING",
            "CELERY_BROKER_URL": "memory://",
            "REDIS_URL": "redis://127.0.0.1:6379/0" if redis_reachable() else "",
            "BENCH_CACHE_PREFIX": f"bench-pages-{label}",
            "BENCH_STATEMENT_DIR": str(statement_dir),
        }
        self.cache = (
            "Redis (key prefix bench-pages-" + label + ")" if environment["REDIS_URL"] else "database"
        )
        command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi:application"]
        command += ["--config", str(ROOT / "gunicorn.conf.py")]  # the project's, as production runs it
        command += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"]
        # Longer than the client's timeout: a slow request is the client's timeout, not a killed worker.
        command += ["--timeout", str(int(REQUEST_TIMEOUT) + GUNICORN_GRACE - 1), "--graceful-timeout", "10"]
        command += ["--log-level", "warning", "--chdir", str(ROOT)]
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter)
            command, cwd=ROOT, env=environment, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        client = Client(self.base)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            if client.request("/accounts/login/").status == 200:
                return
            time.sleep(0.5)
        sys.exit(f"gunicorn did not answer within 90 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(client: Client, page: Page, path: str, args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    for _ in range(args.warmup):
        if client.request(path).seconds > 5:
            break  # a page this slow gains nothing from more warming
    answers: list[Answer] = []
    ids: list[str] = []
    started = time.perf_counter()
    while len(answers) < args.requests:
        request_id = f"{prefix}-{len(answers)}"
        answer = client.request(path, request_id=request_id)
        answers.append(answer)
        ids.append(request_id)
        spent = time.perf_counter() - started
        if len(answers) >= args.min_requests and spent > args.budget:
            break
        if sum(1 for a in answers if a.status == "timeout") >= 2:
            break
    times = [answer.seconds * 1000 for answer in answers]
    queries = [int(a.headers["X-Bench-Queries"]) for a in answers if "X-Bench-Queries" in a.headers]
    sql_ms = [float(a.headers["X-Bench-SQL-ms"]) for a in answers if "X-Bench-SQL-ms" in a.headers]
    statuses = Counter(str(answer.status) for answer in answers)
    return {
        "name": page.name,
        "role": page.role,
        "key": page_key(page),
        "path": path,
        "target_ms": page.target_ms,
        "requests": len(answers),
        "stopped_early": len(answers) < args.requests,
        "statuses": dict(statuses),
        "failures": sum(1 for answer in answers if answer.failed),
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
        "mean_ms": statistics.fmean(times),
        "bytes": int(statistics.median(len(answer.body) for answer in answers)),
        "queries_min": min(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "sql_ms_median": statistics.median(sql_ms) if sql_ms else None,
        "request_ids": ids,
    }


def read_statements(directory: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for path in directory.glob("statements-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                entries[entry["id"]] = entry
    return entries


def explain(statement: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, in a transaction rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '180s'")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return lines


def compact(plan: list[str], width: int = 118, nodes: int = 10) -> list[str]:
    """The plan's top line, its first nodes and its timing, each line cut to `width`."""
    shown = [plan[0], *[line for line in plan[1:] if line.lstrip().startswith("->")][: nodes - 1]]
    shown += [line for line in plan if line.startswith(("Planning Time", "Execution Time"))]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in shown]


def explain_pages(results: list[dict[str, Any]], statements: dict[str, dict[str, Any]], label: str) -> None:
    directory = RESULTS / f"explain-{label}"
    directory.mkdir(parents=True, exist_ok=True)
    print()
    where = directory.relative_to(ROOT)
    print(f"EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statement (full plans in {where})")
    for result in results:
        entries = [
            statements[i] for i in result["request_ids"] if i in statements and statements[i].get("sql")
        ]
        if not entries:
            continue
        slowest = max(entries, key=lambda entry: entry.get("slowest_ms") or 0)
        statement = slowest.get("statement")
        result["slowest_statement_ms"] = slowest.get("slowest_ms")
        result["slowest_statement_sql"] = slowest.get("sql")
        print(f"-- {result['key']}: slowest statement {slowest.get('slowest_ms', 0):.1f} ms (in the request)")
        if not statement or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            print("   (not a SELECT: not explained)")
            continue
        try:
            plan = explain(statement)
        except Exception as exc:
            print(f"   EXPLAIN failed: {exc}")
            continue
        target = directory / f"{slug(result['key'])}.txt"
        target.write_text(
            f"-- {result['key']}\n-- {result['path']}\n-- slowest statement in the request: "
            f"{slowest.get('slowest_ms')} ms\n\n{statement}\n\n" + "\n".join(plan) + "\n",
            encoding="utf-8",
        )
        result["explain_file"] = str(target.relative_to(ROOT))
        for line in compact(plan):
            print("   " + line)


def run_size(args: argparse.Namespace) -> None:
    """The child: one size, from its data to its figures (bench/results/pages_<size>.json)."""
    size = args.size
    label = size_label(size)
    url = f"{args.server.rstrip('/')}/helpdesk_bench_pages_{label}"
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(
        f"\n=== {size:,} tickets: {datagen.database_name(url)}; load average at start {load_start}",
        flush=True,
    )
    datagen.setup(url)
    generation = datagen.prepare(url, kind="desk", tickets=size, keep=args.keep)
    print(generation.summary(), flush=True)
    rows = datagen.counts()
    environment = server_settings()
    print(
        f"PostgreSQL {environment['server_version']} (shared_buffers {environment['shared_buffers']}, "
        f"effective_cache_size {environment['effective_cache_size']}, work_mem {environment['work_mem']}, "
        f"random_page_cost {environment['random_page_cost']}, jit {environment['jit']}); "
        f"{environment['cpus']} CPUs; database {environment['database_size']}"
    )
    print("rows: " + ", ".join(f"{name} {count:,}" for name, count in rows.items()))
    age = dt.datetime.now(dt.UTC) - generation.now
    if age > dt.timedelta(hours=6):
        print(f"note: the data were generated {age} ago; open tickets' clocks have aged by as much")
    fixture = fixtures(generation.now)
    keys = tokens()
    pages = [page for page in PAGES if not args.only or any(word in page_key(page) for word in args.only)]
    from django.db import connections

    connections.close_all()

    collect_static()
    statement_dir = RESULTS / f"statements-{label}"
    statement_dir.mkdir(parents=True, exist_ok=True)
    for old in statement_dir.glob("*.jsonl"):
        old.unlink()
    server = Gunicorn(url, label, statement_dir)
    results: list[dict[str, Any]] = []
    try:
        server.wait_ready()
        print(
            f"gunicorn helpdesk.wsgi, {WORKERS} workers on {server.base}, settings bench.settings, "
            f"cache {server.cache}"
        )
        sessions: dict[str, Client] = {}
        for role in sorted({page.role for page in pages if not page.api}):
            sessions[role] = Client(server.base)
            sessions[role].sign_in(datagen.username(role), datagen.password(role))
        api = {
            role: Client(server.base, token=keys[role]) for role in {page.role for page in pages if page.api}
        }
        print(
            f"signed in as {', '.join(datagen.username(role) for role in sessions)} (sessions) and "
            f"{', '.join(datagen.username(role) for role in api)} (API tokens)"
        )
        print(
            f"warm-up {args.warmup}, then up to {args.requests} requests per page "
            f"(at least {args.min_requests}, budget {args.budget:.0f} s per page), one at a time"
        )
        print_header()
        for index, page in enumerate(pages):
            client = api[page.role] if page.api else sessions[page.role]
            path = page.path.format(**fixture)
            how = ""
            if page.deep:
                path, how = deep_path(client, path, page.deep)
            result = measure(client, page, path, args, prefix=f"{label}-{index}")
            if how:
                result["reached_by"] = how
            results.append(result)
            print_row(result)
            if result["statuses"].get("timeout"):
                # The worker still busy with a request the client gave up on is killed at gunicorn's
                # timeout: let that happen before the next page is timed.
                time.sleep(GUNICORN_GRACE)
    finally:
        server.stop()
    load_end = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at end {load_end}")
    if args.explain:
        statements = read_statements(statement_dir)
        explain_pages(results, statements, label)
    figures = {
        "size": size,
        "label": label,
        "database": datagen.database_name(url),
        "generation": {"reused": generation.reused, "mark": generation.mark, "timings": generation.timings},
        "rows": rows,
        "environment": environment,
        "cache": server.cache,
        "fixtures": fixture,
        "load_average_start": load_start,
        "load_average_end": load_end,
        "settings": {k: getattr(args, k) for k in ("requests", "warmup", "min_requests", "budget")},
        "pages": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"pages_{label}.json").write_text(json.dumps(figures, indent=2, default=str))


COLUMNS = (
    f"{'page':<44}{'role':<11}{'n':>3}  {'status':<14}"
    f"{'p50':>8}{'p95':>8}{'max':>8}{'KB':>8}{'SQL':>9}{'SQL ms':>8}"
)


def print_header() -> None:
    print("-" * len(COLUMNS))
    print(COLUMNS)
    print("-" * len(COLUMNS))


def print_row(result: dict[str, Any]) -> None:
    statuses = " ".join(f"{status}×{count}" for status, count in sorted(result["statuses"].items()))
    queries = (
        f"{result['queries_min']}–{result['queries_max']}"
        if result["queries_min"] != result["queries_max"]
        else str(result["queries_min"])
    )
    sql = f"{result['sql_ms_median']:.0f}" if result["sql_ms_median"] is not None else "-"
    print(
        f"{result['name'][:43]:<44}{result['role']:<11}{result['requests']:>3}  {statuses[:13]:<14}"
        f"{result['p50_ms']:>8.0f}{result['p95_ms']:>8.0f}{result['max_ms']:>8.0f}"
        f"{result['bytes'] / 1024:>8.0f}{queries:>9}{sql:>8}",
        flush=True,
    )
    if result.get("reached_by"):
        print(f"{'':<44}  reached by {result['reached_by']}: {result['path']}")


# --- Over the sizes ------------------------------------------------------------------------------------


def judged(passed: bool) -> str:
    return "met" if passed else "TARGET MISSED"


def compare(labels: list[str]) -> None:
    """Each page's p95 at every size, against its target at the largest size and the ratio."""
    runs = [json.loads((RESULTS / f"pages_{label}.json").read_text()) for label in labels]
    runs.sort(key=lambda run: run["size"])
    smallest, largest = runs[0], runs[-1]
    by_size = [{page["key"]: page for page in run["pages"]} for run in runs]
    print()
    print("=" * 132)
    sizes = " / ".join(f"{run['size']:,}" for run in runs)
    print(
        f"p95 per page at {sizes} tickets (ms); targets judged at {largest['size']:,}"
        + ("" if largest["size"] >= TARGET_SIZE else f" (stated for {TARGET_SIZE:,})")
    )
    for run in runs:
        print(
            f"  {run['size']:>9,}: load average {run['load_average_start']} → {run['load_average_end']}, "
            f"database {run['environment']['database_size']}, generation: "
            + (
                "reused"
                if run["generation"]["reused"]
                else f"{run['generation']['timings'].get('total_s', 0):.0f} s"
            )
        )
    header = (
        f"{'page':<58}"
        + "".join(f"{run['label']:>9}" for run in runs)
        + f"{'ratio':>8}  {'p95 target':<22}ratio ≤ {TARGET_RATIO:g}"
    )
    print("-" * 132)
    print(header)
    print("-" * 132)
    summary = {"met": 0, "missed": 0}
    combined = []
    for key in by_size[-1]:
        largest_page = by_size[-1][key]
        values = [pages.get(key, {}).get("p95_ms") for pages in by_size]
        small = by_size[0].get(key)
        ratio = (
            largest_page["p95_ms"] / small["p95_ms"] if small and len(runs) > 1 and small["p95_ms"] else None
        )
        target = largest_page["target_ms"]
        failed = largest_page["failures"] > 0
        if target is None:
            p95_result = "(ratio only)"
        else:
            p95_result = f"≤ {target:.0f}: " + judged(largest_page["p95_ms"] <= target and not failed)
        ratio_result = judged(ratio <= TARGET_RATIO and not failed) if ratio is not None else "(one size)"
        for result in (p95_result, ratio_result):
            if result.endswith("met"):
                summary["met"] += 1
            elif "MISSED" in result:
                summary["missed"] += 1
        cells = "".join(f"{value:>9.0f}" if value is not None else f"{'-':>9}" for value in values)
        ratio_text = f"{ratio:>7.1f}×" if ratio is not None else f"{'-':>8}"
        print(f"{key[:57]:<58}{cells}{ratio_text}  {p95_result:<22}{ratio_result}")
        combined.append(
            {
                "key": key,
                "p95_ms": dict(zip([r["label"] for r in runs], values, strict=True)),
                "ratio": ratio,
                "target_ms": target,
                "p95_result": p95_result,
                "ratio_result": ratio_result,
            }
        )
    print("-" * 132)
    print(
        f"{summary['met']} judgements met, {summary['missed']} TARGET MISSED "
        f"(failed requests count as misses; smallest size {smallest['size']:,})"
    )
    (RESULTS / "pages.json").write_text(
        json.dumps({"sizes": [r["size"] for r in runs], "pages": combined}, indent=2)
    )
    print("figures written to bench/results/pages.json and pages_<size>.json")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="ticket counts, comma-separated")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first (default 2)")
    parser.add_argument("--min-requests", type=int, default=5, help="timed requests at least (default 5)")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds per page before stopping early")
    parser.add_argument("--keep", action="store_true", help="reuse each size's data if already generated")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN each page's slowest statement")
    parser.add_argument("--only", action="append", help="only pages whose name contains this (repeatable)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server (no database name)")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # internal: one size, in a child
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.size:
        run_size(args)
        return
    sizes = [int(text.replace("_", "")) for text in args.sizes.split(",") if text.strip()]
    print(
        f"Pages bench: {', '.join(f'{size:,}' for size in sizes)} tickets; "
        f"{os.cpu_count()} CPUs; load average {[round(x, 2) for x in os.getloadavg()]}",
        flush=True,
    )
    passed = ["--requests", str(args.requests), "--warmup", str(args.warmup), "--server", args.server]
    passed += ["--min-requests", str(args.min_requests), "--budget", str(args.budget)]
    passed += ["--keep"] * args.keep + ["--explain"] * args.explain
    for word in args.only or []:
        passed += ["--only", word]
    labels = []
    for size in sizes:  # one after the other: generation and measurement never overlap
        completed = subprocess.run(  # noqa: S603 (this script, our interpreter)
            [sys.executable, str(Path(__file__).resolve()), *passed, "--size", str(size)],
            cwd=ROOT,
            check=False,
        )
        if completed.returncode != 0:
            sys.exit(f"the {size:,} run failed (exit code {completed.returncode})")
        labels.append(size_label(size))
    compare(labels)


if __name__ == "__main__":
    main()
