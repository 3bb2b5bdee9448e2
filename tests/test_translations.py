"""Every user-facing string has its Indonesian translation: the catalogue is complete, covers every
translatable string in the source, is compiled, and the pages really speak Indonesian."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from tickets.models import Classification, Stage

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` leaves out of the walk (the Makefile's --ignore list), plus the catalogue itself.
NOT_SOURCE = {
    ".venv",
    ".local",
    "tests",
    "bench",
    "staticfiles",
    "locale",
    "media",
    "htmlcov",
    "node_modules",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%|\{\w+\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The entry's key in a compiled catalogue: the context, if any, joined to the msgid by EOT."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def entries(path: Path) -> list[Entry]:
    """The catalogue's entries, header excluded (a small reader of the .po format; obsolete `#~` entries
    are comments to it)."""
    result: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = Entry(), ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
                key, _, literal = line.partition(" ")
                value = ast.literal_eval(literal)
                if key.startswith("msgstr"):
                    entry.msgstr.append(value)
                elif key == "msgctxt":
                    entry.msgctxt = value
                elif key == "msgid":
                    entry.msgid = value
                else:
                    entry.msgid_plural = value
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry.msgstr[-1] += value
                elif key == "msgctxt":
                    entry.msgctxt = (entry.msgctxt or "") + value
                elif key == "msgid":
                    entry.msgid += value
                else:
                    entry.msgid_plural = (entry.msgid_plural or "") + value
        if entry.msgid:
            result.append(entry)
    return result


def test_the_catalogue_is_for_indonesian_with_one_plural_form() -> None:
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: id\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    catalogue = entries(PO)
    assert len(catalogue) > 500
    untranslated = [e.msgid for e in catalogue if not e.translated]
    fuzzy = [e.msgid for e in catalogue if e.fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated entries"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries: check them and remove the flag"
    plural_forms = [e.msgid for e in catalogue if e.msgid_plural is not None and len(e.msgstr) != 1]
    assert plural_forms == [], "Indonesian has one plural form: only msgstr[0]"


def test_translations_keep_placeholders_markup_and_edge_whitespace() -> None:
    def edges(text: str) -> tuple[str, str]:
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    wrong = []
    for e in entries(PO):
        for msgstr in e.msgstr:
            if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                wrong.append((e.msgid, msgstr, "placeholders"))
            if sorted(HTML_TAG.findall(e.msgid)) != sorted(HTML_TAG.findall(msgstr)):
                wrong.append((e.msgid, msgstr, "HTML"))
            if edges(e.msgid) != edges(msgstr):
                wrong.append((e.msgid, msgstr, "leading/trailing whitespace"))
    assert wrong == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) installed")
def test_the_catalogue_covers_every_translatable_string_in_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # makemessages writes into any `locale` folder it meets while walking the current directory, so it
    # walks a folder of links to the source instead, and writes into a copy of the catalogue.
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy)
    source = tmp_path / "source"
    source.mkdir()
    for path in ROOT.iterdir():
        if path.name not in NOT_SOURCE and not path.name.startswith("."):
            (source / path.name).symlink_to(path)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command("makemessages", locale=["id"], symlinks=True, no_obsolete=True, verbosity=0)
    fresh = entries(copy / "id" / "LC_MESSAGES" / "django.po")
    missing = [e.msgid for e in fresh if not e.translated or e.fuzzy]
    assert missing == [], "run `make messages` and translate these"
    gone = {e.key for e in entries(PO)} - {e.key for e in fresh}
    assert gone == set(), "no longer in the source: run `make messages` to drop them"


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with MO.open("rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header
    expected: dict[object, str] = {}
    for e in entries(PO):
        if e.fuzzy or not e.translated:
            continue  # msgfmt leaves them out
        if e.msgid_plural is None:
            expected[e.key] = e.msgstr[0]
        else:
            expected.update({(e.key, index): msgstr for index, msgstr in enumerate(e.msgstr)})
    stale = sorted(str(key) for key in expected.keys() ^ catalog.keys())
    changed = sorted(str(key) for key in expected.keys() & catalog.keys() if expected[key] != catalog[key])
    assert (stale, changed) == ([], []), "run `manage.py compilemessages` and commit django.mo"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext (msgfmt) installed")
def test_msgfmt_accepts_the_catalogue(tmp_path: Path) -> None:
    """msgfmt --check: the header, and every python-format translation against its msgid."""
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_labels_and_messages_speak_indonesian() -> None:
    with translation.override("id"):
        assert str(Stage.RECEIVED.label) == "Diterima"
        assert str(Stage.DISPATCHED.label) == "Dikirim ke tim teknis"
        assert str(Stage.CLOSED.label) == "Ditutup"
        # The procedure's names (Minor, Major, Critical) in their Indonesian spelling (issue 17).
        assert [str(label) for label in Classification.labels] == ["Minor", "Mayor", "Kritis"]
        counted = translation.ngettext("%(counter)s ticket", "%(counter)s tickets", 3) % {"counter": 3}
        assert counted == "3 tiket"
        assert translation.gettext("Escalation") == "Eskalasi"


@pytest.mark.django_db
def test_the_pages_speak_indonesian() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="id").get("/portal/")
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "<title>Customer Care · Nusantara Telekomindo</title>" in html
    assert "Apa yang dapat kami bantu?" in html
    assert "Sampaikan komplain" in html
    login = Client(HTTP_ACCEPT_LANGUAGE="id").get("/accounts/login/").content.decode()
    assert "Kata sandi" in login


@pytest.mark.django_db
def test_api_validation_errors_speak_indonesian() -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="id", REMOTE_ADDR="203.0.113.99").post(
        "/api/portal/complaints/", {}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Beberapa isian tidak valid; lihat pesan pada setiap isian."
    with translation.override("id"):
        required = translation.gettext("This field is required.")
    assert required == "Isian ini wajib diisi."
    assert body["fields"]["name"] == [required]
