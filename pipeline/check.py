"""``newsdedup check``: which of a database's invariants hold, and ``--repair`` for what is derived.

Each check is one invariant (:data:`CHECKS`):

- ``provenance``: every provenance row has its article;
- ``founding``: every article has a provenance row of its canonical URI (the document whose
  text it holds);
- ``fingerprints``: every article's text hash, length and MinHash signature are those of its
  canonical text, made with the settings' MinHash parameters;
- ``dedup-index``: the dedup index in the database holds each article's LSH bands and the
  opening keys of its canonical text, built with the settings' parameters;
- ``search-index``: the full-text index holds every article's current title and text, and
  nothing else (SQLite FTS5; on PostgreSQL the generated column and its GIN index exist);
- ``run-counts``: each run's counts are its rows: new articles = the articles whose first
  provenance row is the run's, duplicates = its other provenance rows, failures = its
  ``failures`` rows;
- ``live-runs``: no run is ``running`` without a live process (runs of other hosts cannot
  be told, and are left alone).

Everything is read in one transaction, so a run writing meanwhile is seen at one moment.
``--repair`` recomputes what is derived (fingerprints, the dedup and search indexes, run counts,
dead runs marked ``abandoned``), then checks again; it never deletes a provenance row, an
article or a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, inspect, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from tqdm import tqdm

from pipeline.dedup import bands
from pipeline.dedup.signatures import to_bytes
from pipeline.errors import StorageError
from pipeline.stages.fingerprint import fingerprint
from pipeline.store.database import Database
from pipeline.store.fulltext import drop_search_index, ensure_search_index
from pipeline.store.models import Article, ArticleBand, ArticleOpening, Failure, Provenance, Run, utcnow
from pipeline.store.schema import require_head
from pipeline.store.writers import WriterLock, alive, sqlite_file, this_host
from settings.config import Config, DedupOptions

CHECKS = ("provenance", "founding", "fingerprints", "dedup-index", "search-index", "run-counts", "live-runs")
EXAMPLES = 5  # ids shown per failed check
CHUNK = 500  # articles recomputed per query
Progress = Callable[[int], None]


@dataclass
class Finding:
    """The verdict of one check: ``holds`` (None: cannot be told here), what was found."""

    check: str
    holds: bool | None
    detail: str
    examples: list[str] = field(default_factory=list)
    repairable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "holds": self.holds, "detail": self.detail, "examples": self.examples}


@dataclass
class _Articles:
    """What the per-article pass found (one pass over the texts serves three checks)."""

    checked: int = 0
    fingerprints: list[str] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)
    openings: list[str] = field(default_factory=list)


def check(session: Session, opts: DedupOptions, lock: WriterLock, *, progress: Progress | None = None) -> list[Finding]:
    """Every check, in :data:`CHECKS` order."""
    articles = _scan_articles(session, opts, progress)
    return [
        _provenance(session),
        _founding(session),
        _fingerprints(articles, opts),
        _dedup_index(session, articles, opts),
        _search_index(session),
        _run_counts(session),
        _live_runs(session, lock),
    ]


def _examples(ids: list[str]) -> list[str]:
    return [str(i) for i in ids[:EXAMPLES]]


def _provenance(session: Session) -> Finding:
    orphans = select(Provenance.id).outerjoin(Article, Article.id == Provenance.article_id).where(Article.id.is_(None))
    n = session.scalar(select(func.count()).select_from(orphans.subquery())) or 0
    total = session.scalar(select(func.count(Provenance.id))) or 0
    if n == 0:
        return Finding("provenance", True, f"every provenance row has its article ({total:,} rows)")
    return Finding("provenance", False, f"{n:,} of {total:,} provenance rows point to no article (not repairable: "
                   "restore the articles from a backup)", _examples(session.scalars(orphans.limit(EXAMPLES)).all()))


def _founding(session: Session) -> Finding:
    has_source = select(Provenance.id).where(Provenance.article_id == Article.id,
                                             Provenance.uri == Article.canonical_uri).exists()
    missing = select(Article.id).where(~has_source)
    n = session.scalar(select(func.count()).select_from(missing.subquery())) or 0
    if n == 0:
        return Finding("founding", True, "every article has the provenance row of its canonical text")
    return Finding("founding", False, f"{n:,} articles have no provenance row of their canonical URI (not "
                   "repairable)", _examples(session.scalars(missing.order_by(Article.id).limit(EXAMPLES)).all()))


def _scan_articles(session: Session, opts: DedupOptions, progress: Progress | None) -> _Articles:
    """Recompute each article's fingerprint from its text; compare with what is stored."""
    found = _Articles()
    rows = session.execute(select(Article.id, Article.text, Article.text_hash, Article.word_count,
                                  Article.signature, Article.signature_params)
                           .order_by(Article.id).execution_options(yield_per=CHUNK))
    for chunk in rows.partitions():
        ids = [r[0] for r in chunk]
        stored_bands: dict[str, set[int]] = {i: set() for i in ids}
        for article_id, key in session.execute(select(ArticleBand.article_id, ArticleBand.key)
                                               .where(ArticleBand.article_id.in_(ids))):
            stored_bands[article_id].add(key)
        stored_openings: dict[str, set[str]] = {i: set() for i in ids}
        for article_id, key in session.execute(select(ArticleOpening.article_id, ArticleOpening.key)
                                               .where(ArticleOpening.article_id.in_(ids))):
            stored_openings[article_id].add(key)
        for article_id, body, text_hash, words, sig, params in chunk:
            fp = fingerprint(body.split("\n\n"), opts)
            if (text_hash, words, bytes(sig), params) != (fp.text_hash, fp.word_count, to_bytes(fp.signature),
                                                         opts.signature_params):
                found.fingerprints.append(article_id)
            if stored_bands[article_id] != set(fp.bands):
                found.bands.append(article_id)
            if not set(fp.openings) <= stored_openings[article_id]:
                found.openings.append(article_id)
        found.checked += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return found


def _fingerprints(found: _Articles, opts: DedupOptions) -> Finding:
    if not found.fingerprints:
        return Finding("fingerprints", True, f"every article's hash and signature are its text's ({found.checked:,} "
                       "articles recomputed)")
    return Finding("fingerprints", False, f"{len(found.fingerprints):,} articles have a text hash, length or "
                   f"signature that is not their text's under {opts.signature_params}",
                   _examples(found.fingerprints), repairable=True)


def _dedup_index(session: Session, found: _Articles, opts: DedupOptions) -> Finding:
    state = bands.state(session)
    problems = []
    if found.checked and (state is None or state.params != bands.params(opts)):
        problems.append("the index was built with other parameters" if state else "the index was never built")
    if found.bands:
        problems.append(f"{len(found.bands):,} articles lack their LSH bands or have others")
    if found.openings:
        problems.append(f"{len(found.openings):,} articles lack the opening keys of their text")
    if not problems:
        return Finding("dedup-index", True, "the dedup index holds every article's bands and opening keys")
    return Finding("dedup-index", False, "; ".join(problems), _examples(found.bands + found.openings),
                   repairable=True)


def _search_index(session: Session) -> Finding:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        has_column = conn.execute(text("SELECT 1 FROM information_schema.columns WHERE table_schema = "
                                       "current_schema() AND table_name = 'articles' AND column_name = "
                                       "'search_vector'")).first()
        has_index = conn.execute(text("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
                                      "AND indexname = 'ix_articles_search'")).first()
        if has_column and has_index:
            return Finding("search-index", True, "the search column and its index exist (PostgreSQL keeps them in step)")
        return Finding("search-index", False, "the search column or its GIN index is missing", repairable=True)
    if conn.dialect.name != "sqlite":
        return Finding("search-index", None, f"not checked on {conn.dialect.name}")
    return _sqlite_search_index(conn)


def _sqlite_search_index(conn: Connection) -> Finding:
    tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    needed = {"articles_fts", "articles_fts_rows", "articles_fts_insert", "articles_fts_update", "articles_fts_delete"}
    if not needed <= tables:
        return Finding("search-index", False, "missing: " + ", ".join(sorted(needed - tables)), repairable=True)
    stale = conn.execute(text(
        "SELECT a.id FROM articles a LEFT JOIN articles_fts_rows r ON r.article_id = a.id "
        "LEFT JOIN articles_fts f ON f.rowid = r.fts_rowid "
        "WHERE f.rowid IS NULL OR f.article_id IS NOT a.id OR f.title IS NOT a.title OR f.text IS NOT a.text "
        "ORDER BY a.id")).scalars().all()
    extra = conn.execute(text(
        "SELECT count(*) FROM articles_fts f WHERE NOT EXISTS (SELECT 1 FROM articles_fts_rows r "
        "JOIN articles a ON a.id = r.article_id WHERE r.fts_rowid = f.rowid)")).scalar() or 0
    if not stale and not extra:
        return Finding("search-index", True, "the search index holds every article's title and text, and nothing else")
    parts = [f"{len(stale):,} articles missing or out of date"] if stale else []
    parts += [f"{extra:,} rows of no article"] if extra else []
    return Finding("search-index", False, "the search index has " + " and ".join(parts), _examples(stale),
                   repairable=True)


def _counted_runs(session: Session) -> dict[int, tuple[int, int, int]]:
    """Per run id: (articles it founded, its other provenance rows, its failures), from the rows."""
    first = select(Provenance.article_id, func.min(Provenance.id).label("first")).group_by(Provenance.article_id).subquery()
    founded = dict(session.execute(select(Provenance.run_id, func.count()).join(first, first.c.first == Provenance.id)
                                   .group_by(Provenance.run_id)).all())
    rows = dict(session.execute(select(Provenance.run_id, func.count()).group_by(Provenance.run_id)).all())
    failures = dict(session.execute(select(Failure.run_id, func.count()).group_by(Failure.run_id)).all())
    return {run_id: (founded.get(run_id, 0), rows.get(run_id, 0) - founded.get(run_id, 0), failures.get(run_id, 0))
            for run_id in session.scalars(select(Run.id))}


def _run_counts(session: Session) -> Finding:
    counted = _counted_runs(session)
    wrong = [f"run {r.id}: says {r.new_articles}/{r.duplicates}/{r.failures}, rows {'/'.join(map(str, counted[r.id]))}"
             for r in session.scalars(select(Run).order_by(Run.id))
             if (r.new_articles, r.duplicates, r.failures) != counted[r.id]]
    if not wrong:
        return Finding("run-counts", True, f"every run's counts are its rows ({len(counted):,} runs)")
    return Finding("run-counts", False, f"{len(wrong):,} runs count other than their rows (new/duplicates/failed)",
                   wrong[:EXAMPLES], repairable=True)


def _dead_runs(session: Session, lock: WriterLock) -> tuple[list[int], list[int]]:
    """(runs `running` whose process is gone, runs whose process cannot be told)."""
    dead, unknown = [], []
    writer_alive = lock.probe()  # SQLite: is any process writing? (None elsewhere)
    host = this_host()
    for run in session.scalars(select(Run).where(Run.status == "running").order_by(Run.id)):
        if writer_alive is False or (run.host == host and run.pid is not None and not alive(run.pid)):
            dead.append(run.id)
        elif writer_alive is None and run.host != host:
            unknown.append(run.id)
    return dead, unknown


def _live_runs(session: Session, lock: WriterLock) -> Finding:
    dead, unknown = _dead_runs(session, lock)
    note = f" ({len(unknown)} running on other hosts, not checked: runs {', '.join(map(str, unknown[:EXAMPLES]))})" \
        if unknown else ""
    if not dead:
        return Finding("live-runs", True, "no run is left running by a process that is gone" + note)
    return Finding("live-runs", False, f"{len(dead)} runs are `running` but their process is gone{note}",
                   [f"run {i}" for i in dead[:EXAMPLES]], repairable=True)


def _repair(session: Session, opts: DedupOptions, findings: list[Finding], lock: WriterLock,
           *, progress: Progress | None = None) -> list[str]:
    """Rebuild what is derived for each repairable failed check, in the caller's transaction (commit
    it); returns what was done. Deletes no provenance row, article or failure."""
    failed = {f.check for f in findings if f.holds is False and f.repairable}
    done = []
    if "fingerprints" in failed:
        n = _refingerprint(session, opts)
        done.append(f"recomputed the fingerprints of {n:,} articles")
    if failed & {"fingerprints", "dedup-index"}:
        n = bands.rebuild(session, opts, progress=progress)
        done.append(f"rebuilt the dedup index ({n:,} articles)")
    if "search-index" in failed:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            drop_search_index(conn)
        ensure_search_index(conn)
        done.append("rebuilt the search index")
    if "run-counts" in failed:
        counted = _counted_runs(session)
        fixed = 0
        for run in session.scalars(select(Run).where(Run.status != "running")):
            new, dups, fails = counted[run.id]
            if (run.new_articles, run.duplicates, run.failures) != (new, dups, fails):
                run.new_articles, run.duplicates, run.failures = new, dups, fails
                run.documents = new + dups + fails + run.skipped
                fixed += 1
        done.append(f"recounted {fixed} runs from their rows")
    if "live-runs" in failed:
        dead, _ = _dead_runs(session, lock)
        done.append(f"marked {_abandon(session, dead)} runs abandoned")
    return done


def _abandon(session: Session, ids: list[int]) -> int:
    if ids:
        session.execute(update(Run).where(Run.id.in_(ids)).values(
            status="abandoned", finished_at=utcnow(),
            error="its process ended without closing the run (found by newsdedup check)"))
    return len(ids)


def _refingerprint(session: Session, opts: DedupOptions) -> int:
    fixed = 0
    for article in session.scalars(select(Article).order_by(Article.id).execution_options(yield_per=CHUNK)):
        fp = fingerprint(article.text.split("\n\n"), opts)
        values = (fp.text_hash, fp.word_count, to_bytes(fp.signature), opts.signature_params)
        if (article.text_hash, article.word_count, bytes(article.signature), article.signature_params) != values:
            article.text_hash, article.word_count, article.signature, article.signature_params = values
            fixed += 1
    session.flush()
    return fixed


def check_database(config: Config, *, repair: bool = False, progress: bool = False) -> tuple[list[Finding], list[str]]:
    """Open the database of ``config`` and check it (read-only, in one snapshot); with ``repair``,
    as its one writer: repair what failed and check again. Returns (findings, what was repaired)."""
    db_file = sqlite_file(config.db_url)
    if db_file is not None and not db_file.exists():
        raise StorageError(f"no database at {db_file}")
    lock = WriterLock(config.db_url, "check --repair")
    if repair:
        lock.acquire(config.writer_wait_seconds)
    try:
        db = Database(config.db_url, readonly=not repair)
        try:
            _require_current(db)
            findings = _checked(db, config.dedup, lock, progress, writer=repair)
            if not repair or all(f.holds is not False for f in findings):
                return findings, []
            with _snapshot(db, writer=True) as session:
                with tqdm(total=bands.count_articles(session), unit="article", desc="repair", disable=not progress,
                          file=sys.stderr) as bar:
                    done = _repair(session, config.dedup, findings, lock, progress=bar.update)
                session.commit()
            return _checked(db, config.dedup, lock, progress, writer=True), done
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot check {db.safe_url}: {exc}") from None
        finally:
            db.dispose()
    finally:
        lock.release()


def _checked(db: Database, opts: DedupOptions, lock: WriterLock, progress: bool, *, writer: bool) -> list[Finding]:
    with _snapshot(db, writer=writer) as session:
        with tqdm(total=bands.count_articles(session), unit="article", desc="check", disable=not progress,
                  file=sys.stderr) as bar:
            return check(session, opts, lock, progress=bar.update)


@contextmanager
def _snapshot(db: Database, *, writer: bool) -> Iterator[Session]:
    """A session whose reads all see one moment (SQLite: one read transaction in WAL mode;
    PostgreSQL: REPEATABLE READ)."""
    with db.session(writer=writer) as session:
        if db.engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def _require_current(db: Database) -> None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("articles"):
            raise StorageError(f"{db.safe_url} is not a newsdedup database (it has no articles table)")
        require_head(conn, db.safe_url)
