"""gunicorn.conf.py: each web worker freezes what is alive once the application is loaded and again after
its first requests, so that full collections stop walking the worker's permanent objects (the p95 of the
queue pages was that pause)."""

from __future__ import annotations

import gc
import os
import runpy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def conf() -> Iterator[dict[str, Any]]:
    gc.unfreeze()
    yield runpy.run_path(str(CONFIG))
    gc.unfreeze()


def test_the_worker_freezes_what_the_application_loaded(conf: dict[str, Any]) -> None:
    assert gc.get_freeze_count() == 0
    conf["post_worker_init"](SimpleNamespace(nr=0))
    assert gc.get_freeze_count() > 1000


@pytest.mark.parametrize(
    ("handled", "freezes"), [(1, True), (2, False), (20, True), (21, False), (200, True)]
)
def test_and_again_after_its_first_requests_only(conf: dict[str, Any], handled: int, freezes: bool) -> None:
    conf["post_request"](SimpleNamespace(nr=handled), None, {}, None)
    assert (gc.get_freeze_count() > 0) is freezes


def test_gunicorn_reads_it_from_the_project_root() -> None:
    from gunicorn.config import get_default_config_file

    previous = os.getcwd()
    os.chdir(CONFIG.parent)
    try:
        assert Path(get_default_config_file() or "") == CONFIG
    finally:
        os.chdir(previous)


# --- The warm-up (helpdesk/warmup.py) ------------------------------------------------------------------


def _forget_what_django_loaded() -> None:
    from django.template import engines
    from django.urls import clear_url_caches
    from django.utils.translation import trans_real

    for loader in engines["django"].engine.template_loaders:
        loader.reset()
    trans_real._translations = {}
    clear_url_caches()


def test_the_worker_loads_urls_catalogues_and_templates_before_its_first_request(
    conf: dict[str, Any],
) -> None:
    from django.template import engines
    from django.urls import get_resolver
    from django.utils.translation import trans_real

    _forget_what_django_loaded()
    [partials] = engines["django"].engine.template_loaders  # django-template-partials' loader
    [loader] = partials.loaders  # Django's cached loader, inside it
    assert not loader.get_template_cache
    conf["post_worker_init"](SimpleNamespace(nr=0))
    assert "console/queue.html" in loader.get_template_cache
    assert "base.html" in loader.get_template_cache
    assert {"id", "en"} <= set(trans_real._translations)
    assert get_resolver()._populated


def test_a_template_that_does_not_compile_does_not_stop_the_worker(tmp_path: Path, settings: Any) -> None:
    from helpdesk.warmup import warm

    (tmp_path / "fine.html").write_text("<p>{{ greeting }}</p>")
    (tmp_path / "broken.html").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert warm()["templates"] == 1
