"""Nothing is lost: every document an ingest reads is stored or recorded as failed, the counts it
shows are the database's, and a second ingest changes nothing. Property tests over generated
folders (:mod:`tests.folders`), ingested for real on SQLite and PostgreSQL, in batches of 1, 7 and
200, with one and two worker processes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.runner import ingest
from tests.conftest import make_config, pg_database
from tests.folders import folders, write
from tests.ledger import assert_accounted, ledger

BATCHES = st.sampled_from([1, 7, 200])
PROPERTY = settings(deadline=None, max_examples=12,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@contextmanager
def fresh_db(backend: str, request: pytest.FixtureRequest, root: Path) -> Iterator[str]:
    """A new database for one example."""
    if backend == "sqlite":
        yield f"sqlite:///{root / 'n.db'}"
    else:
        with pg_database(request.getfixturevalue("pg_server")) as url:
            yield url


def ingest_twice_and_check(url: str, files: list[tuple[str, bytes]], root: Path, batch: int, workers: int) -> None:
    uris = write(root / "in", files)
    config = make_config(url, NEWSDEDUP_STORE_BATCH=batch, NEWSDEDUP_WORKERS=workers)
    try:
        first = ingest([str(root / "in")], config, progress=False)
    except Exception as exc:  # InputError when every file failed: they must still be recorded
        assert "no readable input" in str(exc), exc
        return
    book = assert_accounted(url, uris, first)
    assert first.documents == len(uris)
    second = ingest([str(root / "in")], config, progress=False)
    again = assert_accounted(url, uris, second)
    assert again.stored == book.stored and again.articles == book.articles  # nothing changed
    assert (second.new_articles, second.duplicates) == (0, 0)
    assert second.skipped == len(book.stored) and second.failures == first.failures


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@PROPERTY
@given(files=folders(), batch=BATCHES)
def test_every_document_is_stored_or_recorded_and_counts_are_true(
        backend: str, workers: int, request: pytest.FixtureRequest, files: list[tuple[str, bytes]],
        batch: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with fresh_db(backend, request, root) as url:
            ingest_twice_and_check(url, files, root, batch, workers)


@settings(deadline=None, max_examples=6, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=folders(min_pages=4), batch=BATCHES)
def test_batches_and_workers_change_nothing_that_is_stored(files: list[tuple[str, bytes]], batch: int) -> None:
    """The same folder, ingested in batches of one with one process and in other batches with two
    worker processes, gives the same article for every file: no batch boundary and no worker
    changes what dedup sees."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root / "in", files)
        outcomes = []
        for size, workers in ((1, 1), (batch, 2)):
            url = f"sqlite:///{root / f'{size}-{workers}.db'}"
            try:
                ingest([str(root / "in")], make_config(url, NEWSDEDUP_STORE_BATCH=size, NEWSDEDUP_WORKERS=workers),
                       progress=False)
            except Exception as exc:  # noqa: BLE001
                assert "no readable input" in str(exc), exc
            book = ledger(url)
            outcomes.append((book.stored, {u: [r for _, r in v] for u, v in book.failed.items()}))
    assert outcomes[0] == outcomes[1]
