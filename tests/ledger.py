"""What a run read against what the database holds: the checks behind "nothing is lost".

:func:`ledger` reads, for each file of a folder, whether it is stored (a provenance row) or
recorded as failed (a ``failures`` row, with its reason); :func:`assert_accounted` asserts the
invariants every ingest keeps, whatever it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from pipeline.check import check_database
from pipeline.context import RunSummary
from pipeline.store.database import Database
from pipeline.store.models import Article, Failure, Provenance, Run
from tests.conftest import make_config


@dataclass(frozen=True)
class Ledger:
    stored: dict[str, str]  # uri -> article id
    failed: dict[str, list[tuple[int, str]]]  # uri -> (run id, reason) of each time it failed
    articles: int
    runs: list[Run]


def files_of(folder: Path) -> list[str]:
    return sorted(p.absolute().as_uri() for p in folder.rglob("*") if p.is_file())


def ledger(url: str) -> Ledger:
    db = Database(url)
    try:
        with db.session() as s:
            stored = dict(s.execute(select(Provenance.uri, Provenance.article_id)).all())
            failed: dict[str, list[tuple[int, str]]] = {}
            for uri, run_id, reason in s.execute(select(Failure.uri, Failure.run_id, Failure.reason)
                                                 .order_by(Failure.id)):
                failed.setdefault(uri, []).append((run_id, reason))
            articles = s.scalar(select(func.count(Article.id))) or 0
            runs = list(s.scalars(select(Run).order_by(Run.id)))
    finally:
        db.dispose()
    return Ledger(stored, failed, articles, runs)


def assert_accounted(url: str, uris: list[str], summary: RunSummary) -> Ledger:
    """Every input is stored or recorded as failed (never both, never neither); the summary and
    the run's row are what the database holds; ``newsdedup check`` finds every invariant true."""
    book = ledger(url)
    failed = {u for u, runs in book.failed.items() if any(r == summary.run_id for r, _ in runs)}
    lost = [u for u in uris if u not in book.stored and u not in failed]
    assert not lost, f"{len(lost)} of {len(uris)} documents neither stored nor recorded: {lost[:3]}"
    both = [u for u in uris if u in book.stored and u in failed]
    assert not both, f"stored and recorded as failed: {both[:3]}"
    run = next(r for r in book.runs if r.id == summary.run_id)
    assert run.status == summary.status
    assert (run.documents, run.new_articles, run.duplicates, run.skipped, run.failures) == (
        summary.documents, summary.new_articles, summary.duplicates, summary.skipped, summary.failures)
    stored_now = sum(1 for u in uris if u in book.stored)
    failed_now = sum(1 for u in uris if u in failed)
    assert summary.new_articles + summary.duplicates + summary.skipped == stored_now, (summary, stored_now)
    assert summary.failures == failed_now, (summary, failed_now)
    findings, _ = check_database(make_config(url))
    assert all(f.holds is not False for f in findings), [f for f in findings if f.holds is False]
    return book
