"""The Python API, for notebooks and scripts::

    from pipeline import open_db

    with open_db("sqlite:///newsdedup.db") as db:
        for hit in db.search('"Kim Jong" Schoigu', language="de", limit=5):
            print(hit.score, hit.title, hit.sources)
        story = db.article(hit.id)              # an ArticleRecord, sources oldest first
        for source in story.sources:
            print(source.fetched_at, source.relation, source.uri)
        db.clusters(min_sources=3)              # stories carried by 3 documents or more
        db.stats().outlets                      # documents per outlet
        for record in db.articles(seen_from=datetime(2026, 11, 1)):   # streamed
            ...

Every method returns the frozen records of :mod:`pipeline.query.records` (``Hit``,
``ArticleRecord``, ``Source``, ``Cluster``, ``Stats``); ``.to_dict()`` gives what the
CLI prints with ``--json``. Keyword filters are the fields of
:class:`pipeline.query.records.Filters`. The handle is read-only: it cannot change the
database (nor create it). Errors are :mod:`pipeline.errors` exceptions (``QueryError``
for a search query that cannot be read, ``StorageError`` for a database that cannot be
opened, ``AmbiguousIdError`` for an id prefix that several articles share).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import inspect

from pipeline.errors import StorageError
from pipeline.query import records
from pipeline.query.records import ArticleRecord, Cluster, Filters, Hit, Stats
from pipeline.store.database import Database
from pipeline.store.schema import require_head


def open_db(url: str | None = None) -> NewsDB:
    """Open a newsdedup database read-only (default: ``$NEWSDEDUP_DB``, else ``sqlite:///newsdedup.db``)."""
    if url is None:
        from settings.config import load_config

        url = load_config().db_url
    return NewsDB(url)


def filters(**given: Any) -> Filters:
    """:class:`Filters` from keyword arguments; dates may be ``date`` objects (a ``*_to`` date
    includes its whole day) or ISO strings."""
    out: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        if name.endswith(("_from", "_to")):
            value = _moment(name, value)
        out[name] = value
    return Filters(**out)


def _moment(name: str, value: date | datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD) or an ISO date and time") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time.max if name.endswith("_to") else time.min)


class NewsDB:
    """A read-only handle on a newsdedup database (see the module for an example)."""

    def __init__(self, url: str) -> None:
        self._db = Database(url, readonly=True)
        try:
            with self._db.engine.connect() as conn:
                if not inspect(conn).has_table("articles"):
                    raise StorageError(f"no newsdedup database at {self._db.safe_url}")
                require_head(conn, self._db.safe_url)  # a database that needs `newsdedup db upgrade`
        except BaseException:
            self._db.dispose()
            raise

    @property
    def url(self) -> str:
        return self._db.safe_url

    def search(self, text: str, *, limit: int = 20, **where: Any) -> list[Hit]:
        """Articles matching ``text`` (syntax in :mod:`pipeline.query.search`), best first."""
        with self._db.session() as s:
            return records.search(s, text, filters(**where), limit)

    def article(self, article_id: str) -> ArticleRecord | None:
        """One article (by id or a unique prefix) with every source; None if there is none;
        ``AmbiguousIdError`` (with the ``candidates``) for a prefix that several articles share."""
        with self._db.session() as s:
            return records.find_record(s, article_id)

    def clusters(self, *, limit: int = 50, **where: Any) -> list[Cluster]:
        """Stories carried by at least ``min_sources`` documents (default 2: the stories that have
        copies; 1 lists every story), most first."""
        with self._db.session() as s:
            return records.clusters(s, filters(**where), limit)

    def stats(self) -> Stats:
        with self._db.session() as s:
            return records.stats(s)

    def articles(self, **where: Any) -> Iterator[ArticleRecord]:
        """Every article that passes the filters, with its sources, streamed."""
        return records.iter_article_records(self._db, filters(**where))

    def close(self) -> None:
        self._db.dispose()

    def __enter__(self) -> NewsDB:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
