"""``newsdedup check``: each invariant found true on a sound database, each found false when it is
damaged, ``--repair`` rebuilding what is derived and never a provenance row."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from pipeline.check import CHECKS
from pipeline.runner import ingest
from pipeline.store.database import Database
from pipeline.store.models import Article, ArticleBand, ArticleOpening, Provenance, Run
from tests.conftest import SEEDS, make_config, run_cli


def checked(url: str, *args: str) -> tuple[int, dict[str, bool | None]]:
    out = run_cli("check", "--db", url, "--json", *args)
    assert out.returncode in (0, 1), out.stderr
    data = json.loads(out.stdout)
    return out.returncode, {c["check"]: c["holds"] for c in data["checks"]}


def dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_sound_database_holds_every_invariant_and_check_writes_nothing(sqlite_url: str) -> None:
    ingest([str(SEEDS)], make_config(sqlite_url), progress=False)
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = run_cli("check", "--db", sqlite_url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == list(CHECKS)
    assert all(line.startswith("ok") for line in lines[:-1]) and lines[-1] == f"all {len(CHECKS)} invariants hold"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    missing = run_cli("check", "--db", f"sqlite:///{path.parent / 'nope.db'}")
    assert missing.returncode == 2 and missing.stderr.startswith("error: no database at")
    assert not (path.parent / "nope.db").exists()


def test_damage_is_found_and_what_is_derived_is_repaired(db_url: str) -> None:
    ingest([str(SEEDS)], make_config(db_url), progress=False)
    db = Database(db_url)
    with db.session() as s:
        a, b, c = s.scalars(select(Article.id).order_by(Article.id).limit(3)).all()
        provenance = s.scalar(select(func.count(Provenance.id)))
        s.execute(delete(ArticleBand).where(ArticleBand.article_id == a))
        s.execute(delete(ArticleOpening).where(ArticleOpening.article_id == c))
        s.execute(update(Article).where(Article.id == b).values(text_hash="0" * 64))
        s.execute(update(Run).values(new_articles=Run.new_articles + 3))  # counted what was not stored
        s.add(Run(kind="ingest", args=[], status="running", host=os.uname().nodename, pid=dead_pid()))
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("DELETE FROM articles_fts WHERE rowid = (SELECT fts_rowid FROM articles_fts_rows "
                           "WHERE article_id = :a)"), {"a": a})
        else:
            s.execute(text("DROP INDEX ix_articles_search"))
        s.commit()
    db.dispose()

    code, holds = checked(db_url)
    assert code == 1
    assert holds == {"provenance": True, "founding": True, "fingerprints": False, "dedup-index": False,
                     "search-index": False, "run-counts": False, "live-runs": False}

    code, holds = checked(db_url, "--repair")
    assert code == 0 and all(holds.values()), holds
    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count(Provenance.id))) == provenance
        statuses = s.scalars(select(Run.status).order_by(Run.id)).all()
    db.dispose()
    assert statuses == ["completed", "abandoned"]
    assert checked(db_url) == (0, dict.fromkeys(CHECKS, True))
    # the repaired database dedups as before: the seeds again are skipped, a copy joins its story
    again = ingest([str(SEEDS)], make_config(db_url), progress=False)
    assert (again.new_articles, again.skipped) == (0, 5)


def test_what_cannot_be_derived_is_reported_and_left_alone(sqlite_url: str) -> None:
    ingest([str(SEEDS)], make_config(sqlite_url), progress=False)
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # foreign keys off: rows no newsdedup would write
        conn.execute("UPDATE provenance SET article_id = 'gone' WHERE id = 1")
        conn.execute("UPDATE articles SET canonical_uri = 'file:///elsewhere.txt' WHERE rowid = 2")
    code, holds = checked(sqlite_url, "--repair")
    assert code == 1 and holds["provenance"] is False and holds["founding"] is False
    out = run_cli("check", "--db", sqlite_url).stdout
    assert "FAIL  provenance" in out and "not repairable" in out
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from provenance").fetchone()[0] == 5  # nothing deleted


@pytest.mark.parametrize("damage", ["bands", "openings"])
def test_the_index_check_finds_a_missing_key_of_one_article(sqlite_url: str, damage: str) -> None:
    ingest([str(SEEDS)], make_config(sqlite_url), progress=False)
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        table = "article_bands" if damage == "bands" else "article_openings"
        conn.execute(f"DELETE FROM {table} WHERE rowid = (SELECT min(rowid) FROM {table})")
    assert checked(sqlite_url)[1]["dedup-index"] is False
