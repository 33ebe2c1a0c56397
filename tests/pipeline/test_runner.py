"""Local ingestion through the runner, on SQLite and PostgreSQL: idempotence, joins, bad input."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.errors import InputError
from pipeline.runner import ingest
from pipeline.store.database import Database
from pipeline.store.models import Article, Failure, Provenance, Run
from tests.conftest import SEEDS, make_config

SEED = SEEDS / "002_2bb625ef10a0835c.txt"


def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    with db.session() as s:
        result = (s.scalar(select(func.count(Article.id))), s.scalar(select(func.count(Provenance.id))))
    db.dispose()
    return result


def republished(text: str) -> str:
    """The seed as another outlet would carry it: its own boilerplate, a few words changed."""
    lines = text.splitlines()
    body = "\n".join(lines[1:]).replace("am Sonntag", "am Sonntagmorgen").replace("tausende", "Tausende")
    body = body.replace("Handschlag", "Händedruck").replace("Granaten und Raketen", "Raketen und Granaten")
    return ("Startseite\nPolitik\nAusland\n" + lines[0] + "\nVon Karl Weber\n14.07.2025, 09:12 Uhr\nTeilen\n"
            + body.replace("Kommentare", "Anzeige\nMehr zum Thema\nKim trifft Putin\nKommentare") + "\n© Beispielzeitung")


def test_seeds_twice_then_a_near_copy(db_url: str, tmp_path: Path) -> None:
    config = make_config(db_url)
    first = ingest([str(SEEDS)], config, progress=False)
    assert (first.documents, first.new_articles, first.failures) == (5, 5, 0)
    assert counts(db_url) == (5, 5)

    again = ingest([str(SEEDS)], config, progress=False)
    assert (again.new_articles, again.skipped) == (0, 5)
    assert counts(db_url) == (5, 5)

    copy = tmp_path / "elsewhere" / "kim-lawrow.txt"
    copy.parent.mkdir()
    copy.write_text(republished(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    third = ingest([str(copy)], config, progress=False)
    assert (third.new_articles, third.duplicates) == (0, 1)
    db = Database(db_url)
    with db.session() as s:
        row = s.scalars(select(Provenance).where(Provenance.uri == copy.as_uri())).one()
        original = s.scalars(select(Provenance).where(Provenance.uri == SEED.absolute().as_uri())).one()
        assert row.article_id == original.article_id
        assert row.relation == "near" and 0.7 <= row.similarity < 1
        runs = s.scalars(select(Run).order_by(Run.id)).all()
        assert [(r.status, r.new_articles, r.skipped) for r in runs] == [
            ("completed", 5, 0), ("completed", 0, 5), ("completed", 0, 0)]
    db.dispose()


def test_bad_inputs_are_recorded_and_the_run_goes_on(sqlite_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 4)
    latin = "Stadtrat beschließt neue Gebühren für Märkte\n" + (
        "Der Stadtrat hat am Donnerstag höhere Gebühren für die Wochenmärkte beschlossen, die Händler "
        "kritisieren die Erhöhung als zu hoch und fordern eine Übergangszeit. ") * 3
    (inbox / "latin1.txt").write_bytes(latin.encode("latin-1"))
    with open(inbox / "huge.txt", "wb") as fh:  # 50 MB, sparse: never read
        fh.truncate(50 * 1024 * 1024)
    os.symlink(inbox / "vanished.txt", inbox / "unreadable.txt")
    os.mkfifo(inbox / "pipe.txt")  # would hang the run for ever if it were opened
    (tmp_path / "secret.txt").write_bytes(SEED.read_bytes())
    os.symlink(tmp_path / "secret.txt", inbox / "passwd.txt")  # leads out of the folder given
    good = inbox / "zz-seed.txt"
    good.write_bytes(SEED.read_bytes())

    summary = ingest([str(inbox), str(tmp_path / "does-not-exist.txt")], make_config(sqlite_url), progress=False)
    assert (summary.new_articles, summary.failures) == (2, 7)
    db = Database(sqlite_url)
    with db.session() as s:
        failures = {Path(f.uri).name: (f.reason, f.message) for f in s.scalars(select(Failure))}
        latin_article = s.scalars(select(Article).where(Article.canonical_uri.endswith("latin1.txt"))).one()
    db.dispose()
    assert {name: reason for name, (reason, _) in failures.items()} == {
        "empty.txt": "empty", "binary.txt": "binary", "huge.txt": "too-large",
        "unreadable.txt": "unreadable", "does-not-exist.txt": "missing",
        "pipe.txt": "not-a-regular-file", "passwd.txt": "outside-input"}
    assert all(message for _, message in failures.values())
    assert latin_article.title == "Stadtrat beschließt neue Gebühren für Märkte"
    assert "Händler" in latin_article.text


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_permission_denied_is_recorded(sqlite_url: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_bytes(SEED.read_bytes())
    locked.chmod(0)
    with pytest.raises(InputError):
        ingest([str(locked)], make_config(sqlite_url), progress=False)


def test_no_readable_input_is_fatal(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no readable input"):
        ingest([str(tmp_path / "nothing-here")], make_config(sqlite_url), progress=False)
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(InputError, match="no file with a suffix"):
        ingest([str(empty_dir)], make_config(sqlite_url), progress=False)


def test_without_a_terminal_the_log_lines_count_committed_documents(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    from pipeline import runner

    monkeypatch.setattr(runner, "LOG_EVERY_SECONDS", 0.0)  # a line after every document
    with caplog.at_level(logging.INFO, logger="newsdedup"):
        summary = ingest([str(SEEDS)], make_config(sqlite_url, NEWSDEDUP_STORE_BATCH=2, NEWSDEDUP_STORE_BATCH_SECONDS=3600.0,
                                                     NEWSDEDUP_WORKERS=1),
                         progress=False)
    counted = [int(m.group(1)) for m in (re.search(r"ingest: (\d+)/5 documents committed", r.getMessage())
                                         for r in caplog.records) if m]
    assert counted and counted == sorted(counted) and counted[-1] == summary.documents == 5
    assert set(counted) <= {0, 2, 4, 5}  # committed batches of two, never documents merely processed


def test_explain_on_html_shows_what_trafilatura_left_out_in_page_order(tmp_path: Path) -> None:
    """`clean --explain` on HTML: the menu, a caption and the footer, which trafilatura left out of
    the main content, stand as "trafilatura" where the page has them, around the clean stage's
    own verdicts; on a text page the verdicts are all there is."""
    from pipeline.runner import clean_files, explained

    paragraphs = [
        "Der Stadtrat hat am Dienstagabend mit großer Mehrheit beschlossen, auf dem alten Werftgelände am Hafen "
        "ein neues Wohnviertel mit rund 800 Wohnungen zu bauen.",
        "Die ersten Bagger sollen im kommenden Frühjahr anrücken, teilte die Verwaltung mit; ein Drittel der "
        "Wohnungen soll gefördert werden, damit auch Familien mit kleinem Einkommen dort leben können.",
        "Kritik kam von den Anwohnern des Altstadtviertels, die mehr Verkehr befürchten und eine neue Buslinie "
        "fordern, bevor die ersten Mieter einziehen."]
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Neues Viertel am Hafen</title></head><body>"
                    "<nav><ul><li><a href='/'>Startseite</a></li><li><a href='/lokales'>Lokales</a></li></ul></nav>"
                    "<article><h1>Neues Viertel am Hafen</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
                    + "</article><footer><p>Impressum · Datenschutz</p></footer></body></html>", encoding="utf-8")
    text = tmp_path / "page.txt"
    text.write_text("Neues Viertel am Hafen\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    (html_doc, _), (text_doc, _) = clean_files([str(page), str(text)], make_config())
    shown = explained(html_doc)
    reasons = [(v.reason, v.text) for v in shown]
    assert reasons[:2] == [("trafilatura", "Startseite"), ("trafilatura", "Lokales")]
    assert reasons[-1] == ("trafilatura", "Impressum · Datenschutz")
    assert [v.text for v in shown if v.kept] == paragraphs
    assert {v.reason for v in shown} - {"trafilatura"} == {v.reason for v in html_doc.verdicts}
    assert explained(text_doc) == text_doc.verdicts


def test_clean_leaves_out_the_stages_of_the_dedup_index() -> None:
    """`newsdedup clean` (offline stages) runs every stage up to the text's metadata and none that
    only feeds the dedup index or uses the database; ingest runs them all, in the settings' order."""
    from pipeline.context import RunContext
    from pipeline.runner import build_stages

    config = make_config()
    full = [s.name for s in build_stages(RunContext(config))]
    offline = [s.name for s in build_stages(RunContext(config, kind="clean", offline=True), offline=True)]
    assert {"clean", "metadata", "fingerprint", "dedup", "store"} <= set(full)
    assert offline == [name for name in full if name not in {"seen", "fingerprint", "dedup", "store"}]
    assert "clean" in offline and "metadata" in offline
