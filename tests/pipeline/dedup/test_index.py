"""The dedup index shared by several workers (PostgreSQL): races, parallel runs, kills, restarts.

The reference everywhere is one process ingesting everything on SQLite with the in-memory
index, the single-machine default. Several workers on one PostgreSQL must end with the same
stories: the same clusters of pages, no provenance row twice.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from pipeline.context import RunContext
from pipeline.dedup.bands import layout
from pipeline.errors import StorageError
from pipeline.items import Document
from pipeline.runner import ingest
from pipeline.stages.dedup import DedupStage
from pipeline.stages.fingerprint import FingerprintStage
from pipeline.stages.store import StoreStage
from pipeline.store.database import Database
from pipeline.store.models import Article, ArticleBand, IndexState, Provenance, Run
from tests.conftest import PAGES, ROOT, SEEDS, make_config, run_cli
from tests.pgcluster import PgCluster
from tests.pipeline.stages.test_dedup import STORY
from tests.pipeline.test_stories import write_world

pytestmark = pytest.mark.postgres

CHROME = {  # how a mirroring outlet wraps a story it carries
    "mirror-de": ("Startseite | Politik | Wirtschaft", "Teilen: Facebook | X | E-Mail\nKommentare (3)"),
    "mirror-en": ("Home | World | Business", "Share this article\nRelated articles"),
}


def write_inputs(root: Path) -> list[Path]:
    """Stories and their copies in several folders (outlets): the seeds, pages in five
    languages, a story with its teaser, update and trimmed copy, look-alike market reports,
    and the seeds and pages as two mirroring outlets carry them."""
    (root / "wire").mkdir(parents=True)
    write_world(root / "wire")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(PAGES, root / "pages")
    for outlet, (head, tail) in CHROME.items():
        (root / outlet).mkdir()
        for page in [*sorted(SEEDS.glob("*.txt")), *sorted(PAGES.glob("*.txt"))]:
            body = page.read_text(encoding="utf-8")
            (root / outlet / page.name).write_text(f"{head}\n{body}\n{tail}\n", encoding="utf-8")
    return sorted(p for p in root.rglob("*.txt"))


def clusters(url: str, root: Path) -> set[frozenset[str]]:
    """The stories as sets of the input paths (relative to ``root``) that carried them."""
    db = Database(url)
    with db.session() as s:
        rows = s.execute(select(Provenance.article_id, Provenance.uri)).all()
    db.dispose()
    groups: dict[str, set[str]] = {}
    for article_id, uri in rows:
        groups.setdefault(article_id, set()).add(uri.split(str(root) + "/", 1)[1])
    return {frozenset(g) for g in groups.values()}


def check_whole(url: str) -> tuple[int, int]:
    """Every article is whole (its provenance, its bands), no page is stored twice; returns
    (articles, provenance rows)."""
    db = Database(url)
    with db.session() as s:
        articles = s.scalar(select(func.count()).select_from(Article))
        rows = s.scalar(select(func.count()).select_from(Provenance))
        pages = s.scalar(select(func.count(func.distinct(Provenance.uri))))
        orphans = s.scalar(select(func.count()).select_from(Article).where(
            ~select(Provenance.id).where(Provenance.article_id == Article.id).exists()))
        unbanded = s.scalar(select(func.count()).select_from(Article).where(
            ~select(ArticleBand.key).where(ArticleBand.article_id == Article.id).exists()))
    db.dispose()
    assert (orphans, unbanded) == (0, 0), "an article without its sources or its index rows"
    assert rows == pages, "a page stored twice"
    return articles, rows


def reference(tmp_path: Path, files: list[Path]) -> set[frozenset[str]]:
    url = f"sqlite:///{tmp_path / 'serial.db'}"
    ingest([str(f) for f in files], make_config(url, NEWSDEDUP_WORKERS=1), progress=False)
    return clusters(url, tmp_path / "in")


def start_worker(url: str, files: list[Path]) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSDEDUP_DB": url, "NEWSDEDUP_WORKERS": "1"}
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", "--no-progress", *map(str, files)],
                            cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def shares(files: list[Path], workers: int) -> list[list[Path]]:
    """Each worker's inputs: every ``workers``-th file, plus the whole seeds folder, which every
    worker is given (the same files to several workers; copies of a story spread across them)."""
    return [sorted({*files[i::workers], *(f for f in files if f.parent.name == "seeds")}) for i in range(workers)]


def doc(text_: str, uri: str) -> Document:
    return Document(uri=uri, sha256=uri, title="t", body=[text_])


def test_the_shared_index_is_the_default_on_postgresql(pg_url: str) -> None:
    assert make_config(pg_url).dedup_index == "database"
    assert make_config("sqlite:///x.db").dedup_index == "memory"
    with pytest.raises(Exception, match="needs PostgreSQL"):
        make_config("sqlite:///x.db", NEWSDEDUP_DEDUP_INDEX="database")


def test_a_copy_waits_for_the_story_it_copies_then_joins_it(pg_url: str) -> None:
    """Two workers see two copies of one story at the same moment: the second waits for the
    first's transaction, then joins its article (without the locks it would found a second)."""
    one, two = RunContext(make_config(pg_url)), RunContext(make_config(pg_url))
    one.open()
    two.open()
    first = DedupStage(one).process(FingerprintStage(one).process(doc(STORY, "https://a.example/1")))
    assert first.relation == "original"  # not stored yet: the transaction is open, its locks held
    joined: list[Document] = []
    copy = STORY.replace("Monday", "Tuesday")
    worker_two = threading.Thread(target=lambda: joined.append(StoreStage(two).process(
        DedupStage(two).process(FingerprintStage(two).process(doc(copy, "https://b.example/1"))))))
    worker_two.start()
    worker_two.join(1.5)
    assert worker_two.is_alive(), "the second copy did not wait for the first"
    StoreStage(one).process(first)  # commits, and releases the locks
    worker_two.join(10)
    assert not worker_two.is_alive()
    assert (joined[0].relation, joined[0].article_id) == ("near", first.article_id)
    with one.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1
    one.close()
    two.close()


def test_one_page_given_to_two_workers_is_stored_once(pg_url: str) -> None:
    one, two = RunContext(make_config(pg_url)), RunContext(make_config(pg_url))
    one.open()
    two.open()
    stages_one = [FingerprintStage(one), DedupStage(one), StoreStage(one)]
    stages_two = [FingerprintStage(two), DedupStage(two)]
    a = stages_one[1].process(stages_one[0].process(doc(STORY, "file:///in/story.txt")))
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            stages_two[1].process(stages_two[0].process(doc(STORY, "file:///in/story.txt")))
        except BaseException as exc:  # noqa: BLE001 - the outcome is checked below
            outcome.append(exc)

    worker_two = threading.Thread(target=second)
    worker_two.start()
    worker_two.join(1.0)
    assert worker_two.is_alive()
    stages_one[2].process(a)
    worker_two.join(10)
    assert [getattr(e, "reason", e) for e in outcome] == ["already-ingested"]
    check_whole(pg_url)
    one.close()
    two.close()


@pytest.mark.slow
def test_four_workers_at_once_store_what_one_process_stores(tmp_path: Path, pg_url: str) -> None:
    files = write_inputs(tmp_path / "in")
    expected = reference(tmp_path, files)
    workers = [start_worker(pg_url, share) for share in shares(files, 4)]
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
    assert clusters(pg_url, tmp_path / "in") == expected
    articles, rows = check_whole(pg_url)
    assert (articles, rows) == (len(expected), len(files))


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_whole_articles_and_a_rerun_completes(tmp_path: Path, pg_url: str) -> None:
    files = write_inputs(tmp_path / "in")
    expected = reference(tmp_path, files)
    worker = start_worker(pg_url, files)
    db = Database(pg_url)
    try:
        stored = 0
        deadline = time.monotonic() + 120
        while stored < 3 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.01)
            with db.session() as s:
                stored = s.scalar(select(func.count()).select_from(Provenance)) or 0
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
        with db.session() as s:
            assert s.scalar(select(Run.status)) == "running", "the worker finished before it was killed"
    finally:
        db.dispose()
    _, rows = check_whole(pg_url)
    assert 3 <= rows < len(files)
    rerun = start_worker(pg_url, files)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert clusters(pg_url, tmp_path / "in") == expected
    assert check_whole(pg_url) == (len(expected), len(files))


def test_a_lost_index_is_refused_then_rebuilt_from_the_signatures(tmp_path: Path, pg_url: str) -> None:
    files = write_inputs(tmp_path / "in")
    originals = [f for f in files if f.parent.name in ("seeds", "pages")]
    ingest([str(f) for f in originals], make_config(pg_url), progress=False)
    db = Database(pg_url)
    with db.session() as s:
        bands_before = set(s.execute(select(ArticleBand.key, ArticleBand.article_id)).all())
        s.execute(delete(ArticleBand))
        s.execute(delete(IndexState))
        s.commit()
    db.dispose()
    copies = [str(f) for f in files if f.parent.name == "mirror-de"]
    with pytest.raises(StorageError, match="newsdedup index rebuild"):
        ingest(copies, make_config(pg_url), progress=False)
    out = run_cli("index", "rebuild", "--db", pg_url, check=True).stdout
    assert f"rebuilt the dedup index: {len(originals)} articles" in out
    db = Database(pg_url)
    with db.session() as s:
        assert set(s.execute(select(ArticleBand.key, ArticleBand.article_id)).all()) == bands_before
    db.dispose()
    ingest(copies, make_config(pg_url), progress=False)  # every copy finds its story again
    assert check_whole(pg_url) == (len(originals), len(originals) + len(copies))


def test_an_index_built_with_other_settings_is_refused(pg_url: str) -> None:
    ctx = RunContext(make_config(pg_url))
    ctx.open()
    DedupStage(ctx).load_index()
    ctx.close()
    other = RunContext(make_config(pg_url, NEWSDEDUP_LSH_THRESHOLD=0.8))
    other.open()
    with pytest.raises(StorageError, match="index rebuild"):
        DedupStage(other).load_index()
    other.close()
    assert layout(make_config(pg_url, NEWSDEDUP_LSH_THRESHOLD=0.8).dedup) != layout(make_config(pg_url).dedup)


@pytest.mark.slow
def test_postgresql_restarted_mid_run_workers_stop_clearly_and_a_rerun_completes(tmp_path: Path,
                                                                              pg_cluster: PgCluster) -> None:
    """Restarts a throwaway cluster that the test owns (tests/pgcluster.py), never the machine's."""
    files = write_inputs(tmp_path / "in")
    expected = reference(tmp_path, files)
    url = pg_cluster.url
    workers = [start_worker(url, share) for share in shares(files, 2)]
    try:
        db = Database(url)
        stored = 0
        deadline = time.monotonic() + 120
        while stored < 3 and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.01)
            with db.session() as s:
                stored = s.scalar(select(func.count()).select_from(Provenance)) or 0
        db.dispose()
        assert any(w.poll() is None for w in workers), "the workers finished before the restart"
        pg_cluster.restart()  # pg_ctl -m fast: the workers' sessions are ended
        results = [w.communicate(timeout=300) + (w.returncode,) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(30)
    for _, err, code in results:
        # each worker either finished (its last documents after the restart) or stopped clearly
        assert code == 0 or "lost the database connection" in err or "cannot open database" in err, err
        assert "Traceback" not in err, err
    check_whole(url)
    rerun = start_worker(url, files)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert clusters(url, tmp_path / "in") == expected
    assert check_whole(url) == (len(expected), len(files))
