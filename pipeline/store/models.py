"""The database's tables: SQLAlchemy 2.x typed models.

Tables:

- ``articles``: one canonical article per story, with its MinHash signature;
- ``provenance``: one row per ingested document (page or file) that carried a story;
- ``runs``: one row per run, with its counts;
- ``failures``: the documents a run could not ingest, with the reason;
- ``article_openings``: keys of the first words of each canonical text's first paragraphs;
- ``article_bands``: the LSH band keys of each canonical text's signature (the dedup index that
  several workers share, :mod:`pipeline.dedup.index`); ``index_state`` says with which
  parameters it was built. Both are derived: ``newsdedup index rebuild`` remakes them;
- ``recurring_lines``: per source, how many documents carried each line (page furniture);
- ``fetches``: for a page a crawl stored, how it was fetched (status, canonical URL, the feed or
  sitemap that linked it, the validators for conditional re-fetching). One row per provenance row.

The models say what the tables hold, nothing more: how a database is connected to is
:mod:`pipeline.store.engine`, how its schema is made or upgraded :mod:`pipeline.store.schema`,
and the handle the code opens :class:`pipeline.store.database.Database`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
)

from pipeline.errors import StorageError


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_time(value: datetime | None) -> tuple[datetime | None, int | None]:
    """A time as a column stores it: the local time, without zone (both databases then keep the
    same; PostgreSQL would convert an aware one to UTC, SQLite drop the zone), and the zone in
    minutes east of UTC, None where it has none."""
    if value is None or value.tzinfo is None or (offset := value.utcoffset()) is None:
        return value, None
    return value.replace(tzinfo=None), int(offset.total_seconds() // 60)


def zoned(value: datetime | None, offset: int | None) -> datetime | None:
    """The time :func:`local_time` stored, with its zone again where it had one."""
    if value is None or offset is None:
        return value
    return value.replace(tzinfo=timezone(timedelta(minutes=offset)))


class Base(DeclarativeBase):
    pass


class Article(Base):
    """A canonical article: the cleanest, most complete version of one story."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[datetime | None] = mapped_column(DateTime)  # as the page said it, local time
    # ...and its time zone, minutes east of UTC, where the page gave one ("08:15+02:00": 120)
    published_offset: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    credits: Mapped[list[str]] = mapped_column(JSON, default=list)
    outlet: Mapped[str | None] = mapped_column(Text)
    canonical_uri: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    word_count: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signature_params: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def published_at(self) -> datetime | None:
        """``published`` with its time zone, where the page gave one."""
        return zoned(self.published, self.published_offset)


class Provenance(Base):
    """One ingested document and how it relates to its canonical article."""

    __tablename__ = "provenance"
    __table_args__ = (UniqueConstraint("uri", "content_sha256", name="uq_provenance_uri_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    uri: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mtime: Mapped[datetime | None] = mapped_column(DateTime)
    encoding: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    similarity: Mapped[float] = mapped_column(Float)
    relation: Mapped[str] = mapped_column(String(16))  # original / exact / near / update / contained
    credits: Mapped[list[str]] = mapped_column(JSON, default=list)
    outlet: Mapped[str | None] = mapped_column(Text)
    fetch: Mapped[Fetch | None] = relationship(back_populates="provenance", uselist=False)


class Fetch(Base):
    """How a crawled page was fetched (local files have none): the rest of its provenance."""

    __tablename__ = "fetches"

    provenance_id: Mapped[int] = mapped_column(ForeignKey("provenance.id"), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)  # HTTP status of the stored response
    canonical_url: Mapped[str | None] = mapped_column(Text)  # <link rel=canonical>, else og:url
    found_in: Mapped[str | None] = mapped_column(Text)  # the feed, sitemap or page that linked it
    etag: Mapped[str | None] = mapped_column(Text)  # validators, sent back when re-fetching
    last_modified: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[Provenance] = relationship(back_populates="fetch")


class Run(Base):
    """One run of ``ingest`` or a crawl, with its counts."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    host: Mapped[str | None] = mapped_column(Text)  # where the run's process ran, and its pid: a run
    pid: Mapped[int | None] = mapped_column(Integer)  # left `running` by a dead process is told apart
    error: Mapped[str | None] = mapped_column(Text)  # why a `failed` run stopped


class Failure(Base):
    """A document a run could not ingest."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    uri: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ArticleOpening(Base):
    """Keys of the openings of a canonical text's first paragraphs, for finding teasers."""

    __tablename__ = "article_openings"
    __table_args__ = (PrimaryKeyConstraint("article_id", "key"),)

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"))
    key: Mapped[str] = mapped_column(String(16), index=True)


class ArticleBand(Base):
    """One LSH band key of a canonical text's signature (:mod:`pipeline.dedup.bands`)."""

    __tablename__ = "article_bands"
    __table_args__ = (PrimaryKeyConstraint("key", "article_id"),)

    key: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)


class IndexState(Base):
    """How a derived index was built (``lsh-bands``: its MinHash and band parameters)."""

    __tablename__ = "index_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    params: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RecurringLine(Base):
    """How many documents of a source carried a line (by hash): page furniture is learnt here."""

    __tablename__ = "recurring_lines"
    __table_args__ = (PrimaryKeyConstraint("source", "line_hash"),)

    source: Mapped[str] = mapped_column(Text)
    line_hash: Mapped[str] = mapped_column(String(16))
    documents: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def upsert_recurring_lines(session: Session, rows: list[tuple[str, str, int]]) -> None:
    """Add document counts to ``recurring_lines`` (insert, or add to the stored count)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise StorageError(f"recurring-line counts need SQLite or PostgreSQL, not {dialect}")
    now = utcnow()
    for i in range(0, len(rows), 1000):
        stmt = insert(RecurringLine).values([
            {"source": src, "line_hash": h, "documents": n, "updated_at": now} for src, h, n in rows[i:i + 1000]])
        session.execute(stmt.on_conflict_do_update(
            index_elements=["source", "line_hash"],
            set_={"documents": RecurringLine.documents + stmt.excluded.documents, "updated_at": now}))

