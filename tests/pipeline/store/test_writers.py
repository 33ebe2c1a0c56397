"""One writer per SQLite file (pipeline/store/writers.py): a second writer is refused with a clear message
or waits when asked; two ingests started at once on a new file neither break nor store a story twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import DatabaseBusy
from pipeline.store.writers import WriterLock
from tests.conftest import ROOT, SEEDS, run_cli
from tests.folders import PARAGRAPHS
from tests.ledger import files_of, ledger


def many_pages(folder: Path, n: int) -> Path:
    """``n`` different stories of real paragraphs, and a copy of each seed."""
    folder.mkdir(parents=True)
    for i in range(n):
        paras = [PARAGRAPHS[(i * 7 + j * 3) % len(PARAGRAPHS)] for j in range(3)]
        (folder / f"story-{i:03d}.txt").write_text(f"Story number {i} of the day\n\n" + "\n\n".join(paras),
                                                   encoding="utf-8")
    return folder


def copies_of_seeds(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        (folder / f"copy-{seed.name}").write_text(f"Startseite\nPolitik\n\n{text}\nTeilen\n© Blatt\n", encoding="utf-8")
    return folder


def start_ingest(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", "--no-progress", "--workers", "1", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_lock_is_one_writer_at_a_time_and_dies_with_its_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first, second = WriterLock(url, "ingest"), WriterLock(url, "crawl:feeds")
    assert first.probe() is False  # no lock file yet: nobody writes, and nothing was created
    assert not (tmp_path / "w.db.lock").exists()
    first.acquire()
    assert second.probe() is True
    with pytest.raises(DatabaseBusy, match=rf"another newsdedup process \(ingest, pid {os.getpid()}\) is writing"):
        second.acquire()
    started = time.monotonic()
    with pytest.raises(DatabaseBusy):
        second.acquire(wait_seconds=0.5)
    assert time.monotonic() - started >= 0.5
    first.release()
    second.acquire()
    second.release()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pipeline.store.writers import WriterLock; "
        f"WriterLock({url!r}, 'holder').acquire(); print('held', flush=True); time.sleep(60)")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert first.probe() is True
    holder.kill()
    holder.wait()
    first.acquire()  # the kernel dropped the dead process's lock
    first.release()
    assert WriterLock("postgresql+psycopg://x@h/db", "ingest").probe() is None  # PostgreSQL: no such lock


def test_a_second_writer_is_refused_clearly_and_writes_nothing(tmp_path: Path) -> None:
    """Two ingests started at once (each takes seconds): one writes, the other is refused at once."""
    db = tmp_path / "w.db"
    inboxes = [many_pages(tmp_path / "a", 150), many_pages(tmp_path / "b", 150)]
    runs = [start_ingest(str(inbox), "--db", f"sqlite:///{db}") for inbox in inboxes]
    results = [(p.wait(timeout=180), p.communicate()[1]) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    assert "another newsdedup process (ingest, pid" in refused and "--wait" in refused
    assert "Traceback" not in refused and len(refused.strip().splitlines()) == 1
    done = inboxes[[code for code, _ in results].index(0)]
    book = ledger(f"sqlite:///{db}")
    assert len(book.runs) == 1 and book.runs[0].status == "completed"  # the refused one left no run
    assert set(book.stored) | set(book.failed) == set(files_of(done))


def test_two_ingests_started_at_once_on_a_new_file_with_wait_both_finish_and_share_stories(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    seeds, copies = tmp_path / "seeds", copies_of_seeds(tmp_path / "copies")
    seeds.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (seeds / seed.name).write_bytes(seed.read_bytes())
    runs = [start_ingest(str(folder), "--db", f"sqlite:///{db}", "--wait") for folder in (seeds, copies)]
    results = [(p.wait(timeout=180), p.communicate()[1]) for p in runs]
    for code, err in results:
        assert code == 0, err
        assert "already exists" not in err and "older newsdedup" not in err
    book = ledger(f"sqlite:///{db}")
    assert [r.status for r in book.runs] == ["completed", "completed"]
    assert book.articles == 5  # each copy joined its seed's story: no story is stored twice
    assert set(book.stored) == set(files_of(seeds) + files_of(copies))


def test_commands_that_rewrite_what_runs_depend_on_wait_for_no_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    run_cli("ingest", str(SEEDS), "--db", url, check=True)
    lock = WriterLock(url, "ingest")
    lock.acquire()
    try:
        for command in (["index", "rebuild"], ["db", "upgrade"], ["check", "--repair"],
                        ["crawl", "--feed", "http://127.0.0.1:9/feed.xml"]):  # said before any spider starts
            out = run_cli(*command, "--db", url)
            assert out.returncode == 2 and "another newsdedup process (ingest, pid" in out.stderr, (command, out.stderr)
        assert run_cli("check", "--db", url).returncode == 0  # reading needs no lock
    finally:
        lock.release()
    assert run_cli("index", "rebuild", "--db", url).returncode == 0
