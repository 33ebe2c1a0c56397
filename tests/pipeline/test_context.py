"""One document, one unit (pipeline/context.py): a document that breaks is rolled back and
recorded alone, in every batch size, wherever it breaks; what the run remembers and counts never
runs ahead of what it committed; runs end with a status that says what happened."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from pipeline.errors import StorageError
from pipeline.inputs import InputFile
from pipeline.runner import canonical_order, ingest
from pipeline.store.database import Database
from pipeline.store.models import Failure, Run
from tests.conftest import PAGES, SEEDS, make_config
from tests.faults import KIND, URIS, with_fault
from tests.folders import BRIDGE
from tests.ledger import assert_accounted, files_of, ledger


def republished(text: str, outlet: str) -> str:
    """The page as another outlet carries it: its furniture around the same text."""
    return f"{outlet}\nStartseite\nPolitik\n\n{text}\nTeilen\nKommentare\n© {outlet}\n"


def folder(root: Path) -> Path:
    """Seeds, pages in five languages, copies of two seeds, a teaser, the two-openings page, bad files."""
    inbox = root / "in"
    shutil.copytree(SEEDS, inbox / "seeds")
    shutil.copytree(PAGES, inbox / "pages")
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        text = seed.read_text(encoding="utf-8")
        (inbox / f"copy-{seed.stem}.txt").write_text(republished(text, "Beispielzeitung"), encoding="utf-8")
    first = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8").split("\n\n")
    (inbox / "teaser.txt").write_text(f"{first[0]}\n\n{first[1][:300]} […]\n", encoding="utf-8")
    (inbox / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    return inbox


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each file of the folder comes to without a fault: its article, or its failure reason."""
    root = tmp_path_factory.mktemp("baseline")
    url = f"sqlite:///{root / 'b.db'}"
    inbox = folder(root)
    summary = ingest([str(inbox)], make_config(url, NEWSDEDUP_WORKERS=1), progress=False)
    book = assert_accounted(url, files_of(inbox), summary)
    return {**{u: f"failed:{r[0][1]}" for u, r in book.failed.items()}, **book.stored}


def test_the_page_whose_paragraphs_open_alike_is_stored(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
    summary = ingest([str(tmp_path / "bridge.txt")], make_config(sqlite_url), progress=False)
    assert (summary.status, summary.new_articles, summary.failures) == ("completed", 1, 0)
    assert_accounted(sqlite_url, [(tmp_path / "bridge.txt").as_uri()], summary)


# where the fault is, how it breaks, and how many workers: a python error in the main process
# before decode, in a worker process, and between dedup and store; an SQL error that aborts a
# PostgreSQL transaction between dedup and store
FAULTS = [("before", "python", 1), ("worker", "python", 2), ("store", "python", 1), ("store", "sql", 1)]


@pytest.mark.parametrize("batch", [1, 7, 200])
@pytest.mark.parametrize("where,kind,workers", FAULTS)
def test_a_document_that_breaks_fails_alone(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            baseline: dict[str, str], where: str, kind: str, workers: int,
                                            batch: int) -> None:
    inbox = folder(tmp_path)
    order = [f.path.as_uri() for f in canonical_order(InputFile(p) for p in inbox.rglob("*") if p.is_file())]
    # the k-th document: the first, the last that reaches every stage (a pasted page), or the
    # founder of a story other files copy (the largest of the story's files)
    founder = next(u for u in order if u.endswith("000_ea85acb85a5f8d1b.txt"))
    k = {1: 0, 7: order.index(next(u for u in reversed(order) if u.endswith("bridge.txt"))),
         200: order.index(founder)}[batch]
    broken = order[k]
    monkeypatch.setenv(URIS, broken.rsplit("/in/", 1)[1])
    monkeypatch.setenv(KIND, kind)
    config = make_config(db_url, ITEM_PIPELINES=with_fault(where), NEWSDEDUP_STORE_BATCH=batch,
                         NEWSDEDUP_WORKERS=workers)

    summary = ingest([str(inbox)], config, progress=False)
    book = assert_accounted(db_url, files_of(inbox), summary)
    (failure,) = book.failed[broken]
    assert failure[1] == "internal-error"
    db = Database(db_url)
    with db.session() as s:
        row = s.scalars(select(Failure).where(Failure.uri == broken)).one()
    db.dispose()
    assert row.stage == "fault" and ("injected fault" in row.message or "no_such_table" in row.message)
    # every other file comes to what it comes to without the fault: the same failure, or stored
    # in a story with the same other files (a broken founder's copies found the story again)
    here = {uri.rsplit("/in/", 1)[1]: uri for uri in order}
    name_of = {uri: name for name, uri in here.items()}
    base_name = {uri.rsplit("/in/", 1)[1]: outcome for uri, outcome in baseline.items()}

    def partition(stored: dict[str, str], names: dict[str, str]) -> set[frozenset[str]]:
        stories: dict[str, set[str]] = {}
        for uri, article in stored.items():
            if names[uri] != name_of[broken]:
                stories.setdefault(article, set()).add(names[uri])
        return {frozenset(v) for v in stories.values()}

    for name, outcome in base_name.items():
        if here[name] != broken and outcome.startswith("failed:"):
            assert [r for _, r in book.failed[here[name]]] == [outcome[7:]], name
    base_uris = {uri: uri.rsplit("/in/", 1)[1] for uri in baseline}
    assert partition(book.stored, name_of) == partition(
        {u: a for u, a in baseline.items() if not a.startswith("failed:")}, base_uris)


def test_counts_shown_are_committed_ones_and_a_lost_commit_fails_the_run(sqlite_url: str, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """When the database refuses a commit, the run stops and is marked failed with the reason;
    its counts are what the earlier commits hold, never the documents merely processed."""
    inbox = folder(tmp_path)
    from pipeline import context

    real_commit = context.RunContext.commit
    batches = {"n": 0}

    def commit_refused_once(self: context.RunContext) -> None:
        if self._batch:  # noqa: SLF001 - a batch of documents (not the run row alone)
            batches["n"] += 1
            if batches["n"] == 2:  # the database refuses the second batch
                session = self._session  # noqa: SLF001
                assert session is not None
                accept = session.commit

                def refuse() -> None:  # once: the database takes commits again afterwards
                    session.commit = accept  # type: ignore[method-assign]
                    raise OperationalError("COMMIT", {}, Exception("database or disk is full (injected)"))
                session.commit = refuse  # type: ignore[method-assign]
        real_commit(self)

    monkeypatch.setattr(context.RunContext, "commit", commit_refused_once)
    with pytest.raises(StorageError, match="disk is full"):
        ingest([str(inbox)], make_config(sqlite_url, NEWSDEDUP_STORE_BATCH=5, NEWSDEDUP_WORKERS=1), progress=False)
    book = ledger(sqlite_url)
    (run,) = book.runs
    assert run.status == "failed" and "disk is full" in (run.error or "")
    assert run.new_articles + run.duplicates == len(book.stored) > 0  # the first batch, as committed
    assert run.failures == sum(len(v) for v in book.failed.values())
    # a rerun finishes: everything is then stored or recorded
    monkeypatch.setattr(context.RunContext, "commit", real_commit)
    summary = ingest([str(inbox)], make_config(sqlite_url, NEWSDEDUP_WORKERS=1), progress=False)
    assert_accounted(sqlite_url, files_of(inbox), summary)


def test_a_run_that_cannot_start_is_marked_failed_with_its_reason(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BRIDGE, encoding="utf-8")
    ingest([str(tmp_path / "a.txt")], make_config(sqlite_url), progress=False)
    other = make_config(sqlite_url, NEWSDEDUP_MINHASH_NUM_PERM=64)  # signatures made otherwise: refused
    with pytest.raises(StorageError, match="signature"):
        ingest([str(tmp_path / "a.txt")], other, progress=False)
    runs = ledger(sqlite_url).runs
    assert [r.status for r in runs] == ["completed", "failed"] and "signature" in (runs[1].error or "")


def test_runs_left_running_by_dead_processes_are_abandoned_by_the_next_writer(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BRIDGE, encoding="utf-8")
    ingest([str(tmp_path / "a.txt")], make_config(db_url), progress=False)
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    db = Database(db_url)
    with db.session() as s:
        s.execute(update(Run).values(status="running", pid=dead))  # as a killed ingest leaves it
        s.commit()
    db.dispose()
    ingest([str(SEEDS)], make_config(db_url), progress=False)
    statuses = [(r.status, r.error) for r in ledger(db_url).runs]
    assert statuses[0][0] == "abandoned" and "ended without closing" in (statuses[0][1] or "")
    assert statuses[1] == ("completed", None)
