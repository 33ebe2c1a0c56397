"""Worker processes: the parallel stages, and a run with workers equal to one without."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.errors import WorkerError
from pipeline.items import Document
from pipeline.parallel import split_stages
from pipeline.runner import build_stages, ingest
from pipeline.stages.base import Stage
from pipeline.store.database import Database
from pipeline.store.models import Article, Failure, Provenance, Run
from tests.conftest import PAGES, SEEDS, make_config
from tests.pipeline.test_stories import write_world


def test_the_settings_order_has_one_parallel_run_between_the_learning_and_writing_stages() -> None:
    stages = build_stages(RunContext(make_config(), offline=False))
    before, middle, after = split_stages(stages)
    assert [s.name for s in before] == ["seen", "decode", "extract", "recurring"]
    assert [s.name for s in middle] == ["clean", "metadata", "fingerprint"]
    assert [s.name for s in after] == ["dedup", "store"]
    assert not any(s.uses_database for s in middle)


def test_no_parallel_stage_means_nothing_to_split() -> None:
    stages = [s for s in build_stages(RunContext(make_config()), offline=False) if not s.parallel]
    before, middle, after = split_stages(stages)
    assert (len(before), middle, after) == (len(stages), [], [])


def inputs(folder: Path) -> Path:
    """Seeds, pages in four languages, a story with its copies and lookalikes, and bad files."""
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copytree(PAGES, folder / "pages")
    (folder / "world").mkdir()
    write_world(folder / "world")
    (folder / "bad").mkdir()
    (folder / "bad" / "empty.txt").write_bytes(b"")
    (folder / "bad" / "menu.txt").write_text("Home\nNews\nSport\nImpressum\n", encoding="utf-8")  # no text
    (folder / "bad" / "binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    return folder


def end_state(url: str) -> tuple[list[tuple], list[tuple], list[tuple], dict]:
    db = Database(url)
    with db.session() as s:
        articles = sorted(s.execute(select(Article.id, Article.title, Article.text_hash, Article.canonical_uri,
                                           Article.language, Article.authors)).all())
        provenance = sorted(s.execute(select(Provenance.uri, Provenance.article_id, Provenance.relation,
                                             Provenance.similarity)).all())
        failures = sorted(s.execute(select(Failure.uri, Failure.stage, Failure.reason)).all())
        stats = s.scalars(select(Run.stats)).one()
    db.dispose()
    return [tuple(r) for r in articles], [tuple(r) for r in provenance], [tuple(r) for r in failures], stats


@pytest.mark.parametrize("chunk", [1, 3])
def test_two_workers_store_exactly_what_one_process_does(tmp_path: Path, chunk: int) -> None:
    folder = inputs(tmp_path / "in")
    results = {}
    for workers in (1, 2):
        url = f"sqlite:///{tmp_path / f'w{workers}.db'}"
        summary = ingest([str(folder)], make_config(url, NEWSDEDUP_WORKERS=workers, NEWSDEDUP_WORKER_CHUNK=chunk),
                         progress=False)
        results[workers] = (summary.new_articles, summary.duplicates, summary.failures), end_state(url)
    assert results[1] == results[2]
    (new, dups, _), (_, _, failures, stats) = results[2]
    assert new >= 10 and dups >= 3  # the world's copies joined their story
    # drops inside a worker (clean) and outside (decode) are recorded with their stage
    assert {(Path(uri).name, stage, reason) for uri, stage, reason in failures} == {
        ("empty.txt", "decode", "empty"), ("binary.txt", "decode", "binary"), ("menu.txt", "clean", "no-text")}
    # the workers' counters reach the run's stats
    assert stats["newsdedup/clean/in"] == stats["newsdedup/fingerprint/out"] + 1
    assert stats["newsdedup/fingerprint/out"] == new + dups


class KillOnPoison(Stage):
    """A parallel stage that kills its worker process on a page named poison (as the kernel's
    out-of-memory killer would)."""

    name = "kill-on-poison"
    parallel = True

    def process(self, doc: Document) -> Document:
        if "poison" in doc.uri:
            os.kill(os.getpid(), signal.SIGKILL)
        return doc


def test_a_dead_worker_stops_the_run_clearly_and_a_rerun_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    poison = folder / "zz-poison.txt"
    poison.write_text((SEEDS / "002_2bb625ef10a0835c.txt").read_text(encoding="utf-8")[:3000], encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'k.db'}"
    pipelines = {**make_config().item_pipelines, f"{__name__}.KillOnPoison": 450}
    config = make_config(url, NEWSDEDUP_WORKERS=2, NEWSDEDUP_WORKER_CHUNK=1, ITEM_PIPELINES=pipelines)
    with pytest.raises(WorkerError, match="worker process died"):
        ingest([str(folder)], config, progress=False)
    db = Database(url)
    with db.session() as s:
        assert s.scalars(select(Run.status)).one() == "failed"
    db.dispose()

    poison.unlink()  # the user removes the page that killed it, and runs again
    again = ingest([str(folder)], make_config(url, NEWSDEDUP_WORKERS=2), progress=False)
    assert again.status == "completed"
    assert ingest([str(SEEDS)], make_config(f"sqlite:///{tmp_path / 'ref.db'}"), progress=False).new_articles == 5
    db = Database(url)
    with db.session() as s:
        assert len(s.scalars(select(Article.id)).all()) == 5
        assert len(s.scalars(select(Provenance.uri)).all()) == 5  # no duplicates from the first run
    db.dispose()
