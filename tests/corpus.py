"""A small database to query (the ``corpus`` fixture, on SQLite and on PostgreSQL): the five
seeds and five pages in five languages as local files, then the news world crawled, so
that the seeds' stories are also carried by one or two outlets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PAGES, SEEDS, pg_database, run_cli
from tests.newsworld import NewsWorld, make_world


@dataclass(frozen=True)
class Corpus:
    url: str
    world: NewsWorld


def fill(url: str, root: Path) -> NewsWorld:
    run_cli("ingest", str(SEEDS), str(PAGES), "--db", url, check=True)
    world = make_world(root)
    sources = root / "sources.toml"
    sources.write_text(world.sources_toml(), encoding="utf-8")
    run_cli("crawl", "--sources", str(sources), "--db", url, check=True)
    return world


# One per session and engine: every test that uses it only reads it (built once, not once per module).
@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("corpus")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'corpus.db'}"
        world = fill(url, root)
        yield Corpus(url, world)
    else:
        with pg_database(request.getfixturevalue("pg_server")) as url:
            world = fill(url, root)
            yield Corpus(url, world)
    world.hafenblatt.close()
    world.courier.close()
