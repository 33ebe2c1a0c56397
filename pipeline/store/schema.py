"""The schema's version: new databases, databases made by an older newsdedup, upgrades.

Every schema change is an Alembic revision in ``pipeline/store/migrations/versions/``;
:data:`HEAD` names the newest. When newsdedup opens a database to write:

- an empty one gets the whole schema at once (the models' ``create_all`` and the search
  index) and is marked as :data:`HEAD`;
- one at :data:`HEAD` is used as it is;
- an older one (a revision behind, or made before migrations existed: no
  ``alembic_version`` table) is refused with :class:`StorageError`, which says to run
  ``newsdedup db upgrade``. Upgrading is explicit: back the database up first.

A read-only handle (:class:`pipeline.query.api.NewsDB`) checks the revision with :func:`require_head`.

:func:`upgrade` marks a pre-migrations database as revision 0001 (the schema it holds) and
runs every revision after it. Rows are never dropped by an upgrade.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from pipeline.errors import StorageError
from pipeline.store.engine import WRITER
from pipeline.store.fulltext import ensure_search_index
from pipeline.store.models import Base

HEAD = "0005"  # the newest revision in pipeline/store/migrations/versions (a test checks)
BASELINE = "0001"  # the schema of databases made before migrations existed
MIGRATIONS = Path(__file__).parent / "migrations"
_VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))
_LOCK = 0x6E657773  # PostgreSQL advisory lock: one process at a time sets up or upgrades a database


def revision(conn: Connection) -> str | None:
    """The database's revision; None if it has no ``alembic_version`` table."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(select(_VERSION.c.version_num)).scalar()


def prepare(engine: Engine) -> None:
    """Create the schema of an empty database, or check that an existing one is current."""
    # SQLite: the write lock is taken first, so two processes opening a new file at once set it up
    # one after the other (the second finds the schema made); PostgreSQL: an advisory lock.
    with engine.execution_options(**WRITER).begin() as conn:
        _lock(conn)
        if not inspect(conn).has_table("articles"):
            Base.metadata.create_all(conn)
            ensure_search_index(conn)
            _VERSION.create(conn, checkfirst=True)
            conn.execute(_VERSION.delete())
            conn.execute(_VERSION.insert().values(version_num=HEAD))
            return
        require_head(conn, engine.url.render_as_string(hide_password=True))


def require_head(conn: Connection, shown_as: str) -> None:
    """Refuse (:class:`StorageError`) a database whose schema is not :data:`HEAD`, naming it
    ``shown_as``: it was made by an older newsdedup and needs ``newsdedup db upgrade``. Only reads."""
    current = revision(conn)
    if current != HEAD:
        made = "before migrations existed" if current is None else f"at schema revision {current}"
        raise StorageError(f"the database {shown_as} was made by an older newsdedup ({made}; this one "
                           f"needs {HEAD}): back it up, then run `newsdedup db upgrade`")


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str]:
    """Bring the database to ``target`` (the newest revision by default); return (revision
    before, revision after)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    with engine.execution_options(**WRITER).begin() as conn:
        _lock(conn)
        before = revision(conn)
        config.attributes["connection"] = conn
        if before is None and inspect(conn).has_table("articles"):
            command.stamp(config, BASELINE)  # made before migrations: it holds the baseline
        command.upgrade(config, target)
        after = revision(conn)
    assert after is not None
    return before, after


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
