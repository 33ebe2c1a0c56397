"""The ``files`` spider runs the same stages inside a real Scrapy crawl."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def crawl(db: Path, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "files", "-a", f"path={path}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NEWSDEDUP_DB": f"sqlite:///{db}"})


def test_scrapy_crawl_files_stores_the_seeds_once(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    first = crawl(db, "seeds/")
    assert first.returncode == 0, first.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    second = crawl(db, f"seeds/,{empty}")
    assert second.returncode == 0, second.stderr
    assert "raw=" not in second.stderr  # items are logged by their short repr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 5
        assert conn.execute("select count(*) from provenance").fetchone()[0] == 5
        runs = conn.execute("select kind, status, new_articles, skipped, failures from runs order by id").fetchall()
        assert runs == [("crawl:files", "completed", 5, 0, 0), ("crawl:files", "completed", 0, 5, 1)]
        assert conn.execute("select reason from failures").fetchall() == [("empty",)]
