"""Bench-only middleware (installed by bench/settings.py, never by the application's settings): what each
request cost in SQL, told to the bench that sent it.

Every response gets `X-Bench-Queries` (statements sent to the database, through
`connection.execute_wrapper`) and `X-Bench-SQL-ms` (their time). For a request that carries
`X-Bench-Request-Id`, the id is echoed back and the request's slowest statement — its SQL, its
parameters and the statement as psycopg2 sent it — is appended as one JSON line to
`$BENCH_STATEMENT_DIR/statements-<pid>.jsonl`, so that the bench can run EXPLAIN (ANALYZE, BUFFERS) on
it afterwards. The line is written after the response is built; what the client measures includes it
(a file append, well under a millisecond).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

QUERIES_HEADER = "X-Bench-Queries"
SQL_TIME_HEADER = "X-Bench-SQL-ms"
REQUEST_ID_HEADER = "X-Bench-Request-Id"


class StatementRecorder:
    """An execute wrapper: counts the statements and keeps the slowest."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.slowest: tuple[float, str, Any, bool] | None = None

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            if self.slowest is None or elapsed > self.slowest[0]:
                self.slowest = (elapsed, sql, params, many)


def _as_sent(sql: str, params: Any, many: bool) -> str | None:
    """The statement with its parameters bound, as psycopg2 sends it (None when it cannot be had)."""
    if many or connection.connection is None:
        return None
    try:
        with connection.connection.cursor() as cursor:
            return cursor.mogrify(sql, params).decode()
    except Exception:
        return None


class QueryCountMiddleware:
    """Outermost middleware: counts every statement of the request (sessions and authentication too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        directory = os.environ.get("BENCH_STATEMENT_DIR")
        self.path = Path(directory) / f"statements-{os.getpid()}.jsonl" if directory else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        recorder = StatementRecorder()
        with connection.execute_wrapper(recorder):
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(recorder.count)
        response[SQL_TIME_HEADER] = f"{recorder.seconds * 1000:.2f}"
        request_id = request.headers.get(REQUEST_ID_HEADER)
        if request_id:
            response[REQUEST_ID_HEADER] = request_id
            self._record(request, response, request_id, recorder)
        return response

    def _record(
        self, request: HttpRequest, response: HttpResponse, request_id: str, recorder: StatementRecorder
    ) -> None:
        if self.path is None:
            return
        entry: dict[str, Any] = {
            "id": request_id,
            "pid": os.getpid(),
            "path": request.get_full_path(),
            "status": response.status_code,
            "queries": recorder.count,
            "sql_ms": round(recorder.seconds * 1000, 3),
        }
        if recorder.slowest is not None:
            seconds, sql, params, many = recorder.slowest
            entry |= {
                "slowest_ms": round(seconds * 1000, 3),
                "sql": sql,
                "params": params,
                "statement": _as_sent(sql, params, many),
            }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")
