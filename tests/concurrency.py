"""Run a function in several OS processes at once against the test database (for race tests).

The parent closes its connections before forking; each child opens its own to the same (test) database,
waits on a shared barrier so all start together, runs the function, and reports its result or error
through a queue. Children leave with os._exit so pytest's teardown never runs in them."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_in_processes(function: Callable[[int], Any], count: int, timeout: float = 120) -> list[Any]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count)
    results: Any = context.Queue()
    connections.close_all()

    def child(index: int) -> None:
        code = 0
        try:
            barrier.wait(timeout=30)
            results.put((index, "ok", function(index)))
        except BaseException:
            results.put((index, "error", traceback.format_exc()))
            code = 1
        finally:
            connections.close_all()
            # Flush the queue's feeder thread before leaving: os._exit would drop what is unsent.
            results.close()
            results.join_thread()
            os._exit(code)

    processes = [context.Process(target=child, args=(i,)) for i in range(count)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=timeout)
    errors = [detail for _, status, detail in outcomes if status == "error"]
    assert not errors, "\n".join(errors)
    return [value for _, _, value in sorted(outcomes, key=lambda o: o[0])]
