"""What a web worker loads before it takes its first request (gunicorn.conf.py, post_worker_init).

Django loads much of itself lazily, on the first request that needs it: the URL patterns (importing
every app's views and the API schema's), each language's translation catalogues, each template. A
worker's first request paid for all of it — about half a second on this machine, against 35–40 ms for
the same queue page once warm — so every freshly started worker made one person wait (and made the first
page of a benchmark look slow). Loaded here, before the worker's objects are frozen, it is paid while
nobody waits, once per worker.

Nothing here may stop a worker from starting: a template that does not compile is still reported to
whoever asks for it, as it would have been without the warm-up."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import structlog
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.exceptions import TemplateDoesNotExist
from django.urls import get_resolver
from django.utils import translation

log = structlog.get_logger(__name__)


def warm() -> dict[str, int]:
    """Load the URL patterns, the catalogues of every language and the project's page templates; the
    counts of what was loaded."""
    resolver = get_resolver()
    patterns = len(resolver.url_patterns)
    resolver.reverse_dict  # noqa: B018 - builds the reverse lookup tables that `reverse` would build
    languages = 0
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Queue")  # the first message asked for in a language loads its catalogue
        languages += 1
    templates = 0
    engine = engines["django"]
    folders = cast("list[str | Path]", settings.TEMPLATES[0].get("DIRS", []))
    for folder in folders:
        root = Path(folder)
        for path in sorted(root.rglob("*.html")):
            try:
                engine.get_template(path.relative_to(root).as_posix())
            except (TemplateSyntaxError, TemplateDoesNotExist) as error:
                log.warning("template_not_warmed", template=str(path), error=str(error))
                continue
            templates += 1
    return {"url_patterns": patterns, "languages": languages, "templates": templates}
