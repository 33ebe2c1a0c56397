"""The :class:`Database` handle: an engine on a database whose schema is current, its sessions,
and the reads that the CLI and the stages share."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from pipeline.errors import AmbiguousIdError, StorageError
from pipeline.store.engine import WRITER, create_db_engine
from pipeline.store.models import Article, Fetch, Provenance
from pipeline.store.schema import prepare

PREFIX_CANDIDATES = 5  # how many articles an ambiguous id prefix's error lists


def _reason(exc: SQLAlchemyError) -> str:
    """Why the database failed, on one line: the driver's message (without SQLAlchemy's
    background link), else SQLAlchemy's."""
    return " ".join(str(exc.orig if isinstance(exc, DBAPIError) else exc).split())


class Database:
    """A connection to the newsdedup database: creates the schema and hands out sessions.

    ``readonly=True`` (the read commands, the web view) creates nothing, changes nothing (not
    even a SQLite file's journal mode), and makes every connection refuse writes (SQLite
    read-only connections with ``PRAGMA query_only``; PostgreSQL read-only transactions)."""

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.engine = create_db_engine(url, readonly=readonly)
        try:
            if readonly:
                with self.engine.connect() as conn:  # a server that does not answer, a file that is no database
                    inspect(conn).get_table_names()
            else:
                prepare(self.engine)  # a new database gets the schema; an older one must be upgraded
        except OperationalError as exc:
            self.engine.dispose()
            raise StorageError(f"cannot open database {self.safe_url}: {_reason(exc)}{self._hint(exc)}") from None
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StorageError(f"cannot use database {self.safe_url}: {_reason(exc)}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer_sessions = sessionmaker(self.engine.execution_options(**WRITER), expire_on_commit=False)

    def _hint(self, exc: OperationalError) -> str:
        """What to do about a SQLite file that a read-only handle cannot open."""
        if self.readonly and self.engine.dialect.name == "sqlite" and "readonly" in str(exc.orig):
            return (" (SQLite reads a database in WAL mode only where its -wal and -shm files exist or can "
                    "be created: make its directory writable, or copy the database elsewhere)")
        return ""

    @property
    def safe_url(self) -> str:
        """The URL as given, with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def session(self, *, writer: bool = False) -> Session:
        """A session; a ``writer``'s transactions take SQLite's write lock when they begin (a run's
        batches: see :func:`_sqlite_begin`). On PostgreSQL both are the same."""
        return (self._writer_sessions if writer else self._sessions)()

    def dispose(self) -> None:
        self.engine.dispose()

    # --- reads shared by the CLI and the stages ---------------------------
    @staticmethod
    def find_article(session: Session, article_id: str) -> Article | None:
        """An article by its id, else by a unique prefix of it; None if there is none. A prefix
        that several articles share is an :class:`AmbiguousIdError` that lists the first
        :data:`PREFIX_CANDIDATES` of them."""
        found = session.get(Article, article_id)
        if found is not None:
            return found
        matches = session.execute(
            select(Article.id, Article.title).where(Article.id.startswith(article_id, autoescape=True))
            .order_by(Article.id).limit(PREFIX_CANDIDATES + 1)
        ).all()
        if len(matches) > 1:
            raise AmbiguousIdError(article_id, [(m.id, m.title) for m in matches[:PREFIX_CANDIDATES]],
                                   more=len(matches) > PREFIX_CANDIDATES)
        return session.get(Article, matches[0].id) if matches else None

    @staticmethod
    def stored(session: Session, uri: str, sha256: str | None) -> bool:
        """True when a document with these bytes from this URI is already stored."""
        if sha256 is None:
            return False
        with session.no_autoflush:  # a caller's unflushed rows are its own business
            return session.scalar(select(Provenance.id).where(
                Provenance.uri == uri, Provenance.content_sha256 == sha256).limit(1)) is not None

    @staticmethod
    def sources(session: Session, article_id: str) -> list[Provenance]:
        """Every document that carried the article, in the order they were seen."""
        return list(
            session.scalars(
                select(Provenance)
                .where(Provenance.article_id == article_id)
                .options(selectinload(Provenance.fetch))
                .order_by(Provenance.fetched_at, Provenance.id)
            )
        )

    @staticmethod
    def last_fetch(session: Session, url: str) -> Fetch | None:
        """The newest stored fetch of a page URL (its validators, for a conditional re-fetch);
        None when no crawl stored it."""
        with session.no_autoflush:
            return session.scalars(select(Fetch).join(Provenance).where(Provenance.uri == url)
                                   .order_by(Provenance.id.desc()).limit(1)).first()
