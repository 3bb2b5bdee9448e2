"""Benchmark: build the monthly recap over 300,000 tickets reported in one month (not a test).

    .venv/bin/python bench/monthly_report.py [--tickets 300000] [--keep] [--database-url …]

It works on its own database (`--database-url`, else $BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports; never $DATABASE_URL), which it creates,
migrates and fills with the shared generator's "month" data set (bench/datagen.py): a month (March 2026)
of tickets with realistic mixes of category, classification, channel, stage, SLA outcome, escalations,
RCAs and ratings, written by set-based SQL. `--keep` reuses data of the same size.

Targets: monthly_report_build(rebuild=True) in at most 15 s and 500 MB peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
MONTH = datagen.MONTH


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data if the same size is there")
    parser.add_argument("--reload", action="store_true", help="regenerate (the default without --keep)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = datagen.database_url(args.database_url, DEFAULT_DATABASE_URL)
    datagen.setup(url)
    generation = datagen.prepare(url, kind="month", tickets=args.tickets, keep=args.keep and not args.reload)
    print(f"data: {generation.summary()}")
    if not generation.reused:
        print(f"load: {generation.timings['total_s']:.1f} s")

    from reports import recap, services

    _start, end = recap.month_bounds(MONTH)
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
