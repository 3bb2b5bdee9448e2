"""gunicorn's settings for every way the web runs (the image, `dev.py run`, the benches): gunicorn reads
`./gunicorn.conf.py` by default, and the commands name it too. The worker count, the address and the
logs stay on each command line.

The garbage collector. A worker holds ~175,000 tracked objects that live as long as it does (the
modules, Django's models and URL patterns, compiled templates, translation catalogues); each full
collection walks all of them, 37–51 ms on this machine (measured in a warmed process), and one request
in twenty or so pays for it: the p95 of the queue pages was that pause (quiet, in-process, 1,000,000
tickets: the supervisor's tabs 144–156 ms p95 against 73–86 ms with the objects frozen). `gc.freeze()`
moves everything alive into a permanent generation that collections skip: once when the worker has
loaded the application, and again after its first requests and a while later, by when the lazily loaded
parts (templates, catalogues, URL resolvers, the SLA configuration's memo) are in. Nothing is leaked by
this: objects created later are collected as before. It trims the tail, not the average: the intake's
CPU per complaint is the same with and without it (bench/README.md, "The full run").

The warm-up. Before the first freeze the worker loads what Django would otherwise load on its first
request (helpdesk/warmup.py: about half a second, paid once per worker while nobody waits)."""

from __future__ import annotations

import gc
from typing import Any

# After these many requests of a worker, what is alive is frozen again (the freeze itself is one full
# collection, 37–51 ms, taken after the response has gone).
FREEZE_AFTER_REQUESTS = frozenset({1, 20, 200})


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    # What Django would load on the worker's first request (URL patterns, catalogues, templates), loaded
    # before anyone waits on it and before the freeze takes it in (helpdesk/warmup.py).
    from helpdesk.warmup import warm

    warm()
    _freeze()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if getattr(worker, "nr", 0) in FREEZE_AFTER_REQUESTS:
        _freeze()
