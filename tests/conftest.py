"""Shared fixtures: configs on a fresh SQLite file or a fresh PostgreSQL database, pages, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.context import RunContext
from pipeline.items import Document
from settings.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
PG_URL = os.environ.get("NEWSDEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_config(db_url: str = "sqlite://", **overrides: object) -> Config:
    return load_config({"NEWSDEDUP_DB": db_url, **overrides})


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL test server's admin URL, or a skip that says why."""
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); "
                    "start it or set NEWSDEDUP_TEST_PG")
    return PG_URL


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server``, dropped afterwards."""
    name = f"newsdedup_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a server restart
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    with pg_database(pg_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def ctx() -> Iterator[RunContext]:
    """A context on an in-memory SQLite database, for stage unit tests."""
    context = RunContext(make_config("sqlite://"))
    yield context
    context.close()


def store_articles(url: str, titles: dict[str, str]) -> None:
    """A database at ``url`` holding bare articles (id -> title), without sources: for lookups."""
    from pipeline.store.database import Database
    from pipeline.store.models import Article

    db = Database(url)
    with db.session() as s:
        s.add_all(Article(id=i, title=t, text="x", authors=[], credits=[], canonical_uri=f"file:///{i}",
                          text_hash=f"h{i}", word_count=1, signature=b"", signature_params="p")
                  for i, t in titles.items())
        s.commit()
    db.dispose()


def text_doc(text: str, uri: str = "file:///test/page.txt") -> Document:
    """A document as the decode stage leaves it."""
    return Document(uri=uri, text=text, lines=text.split("\n"), encoding="utf-8")


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
    """The real ``newsdedup`` command, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True,
                            text=True, env=full_env, cwd=cwd or ROOT, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"newsdedup {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


# The local news world for crawl tests (served on 127.0.0.1 by the tests themselves).
from tests.corpus import corpus  # noqa: E402, F401
from tests.newsworld import news_site, news_world  # noqa: E402, F401

# A throwaway PostgreSQL cluster for tests that stop or restart the server (never the machine's).
from tests.pgcluster import pg_cluster  # noqa: E402, F401
