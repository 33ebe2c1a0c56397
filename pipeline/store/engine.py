"""Connecting to a database: URLs checked, SQLite's pragmas, read-only connections, and the
transactions of writers. SQLite is the default; any SQLAlchemy URL works (PostgreSQL in
production)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from pipeline.errors import ConfigError, StorageError

SQLITE_BUSY_TIMEOUT_MS = 30000  # how long a SQLite connection waits for another's lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (a RELEASE of the outermost one would
    # commit): SQLAlchemy's recipe turns it off and emits BEGIN itself (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WRITER = {"sqlite_begin": "IMMEDIATE"}  # execution options of a writer's session (Database.session)


def _sqlite_begin(conn: Any) -> None:
    """Start a transaction. A writer's begins IMMEDIATE: it takes SQLite's write lock at once
    (waiting ``busy_timeout``), so a write later in the transaction never finds the database
    changed under its snapshot (SQLITE_BUSY_SNAPSHOT, which no waiting cures)."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _read_only_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """A read-only handle's pragmas: refuse writes first; never change the journal mode. Its
    transactions begin with BEGIN too (:func:`_sqlite_begin`): all reads of one see one moment."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _read_only_pg(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    dbapi_connection.commit()


def _read_only_sqlite_url(url: URL) -> URL:
    """The URL of a read-only connection to a SQLite file (SQLite's ``file:PATH?mode=ro``): it
    cannot create the file, write to it or change its journal mode, and it reads a WAL database
    with its -wal file as it is. An in-memory database is left as it is; a file that does not
    exist is a :class:`StorageError` (a read creates nothing)."""
    path = url.database
    if not path or path == ":memory:":
        return url
    if url.query.get("uri"):  # already a SQLite URI: only make it read-only
        return url.update_query_dict({"mode": "ro"})
    if not os.path.isfile(path):
        raise StorageError(f"no database at {path}")
    return url.set(database=f"file:{quote(os.path.abspath(path))}").update_query_dict({"mode": "ro", "uri": "true"})


def create_db_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for ``url``, with clear errors for a bad URL or an unreachable server.
    ``readonly``: every connection refuses writes (see :class:`Database`)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"bad database URL {url!r}: expected an SQLAlchemy URL such as "
            "sqlite:///newsdedup.db or postgresql+psycopg://user@host/dbname"
        ) from None
    if parsed.drivername == "postgresql":  # SQLAlchemy 2.1 means psycopg 3; say so explicitly
        parsed = parsed.set(drivername="postgresql+psycopg")
    sqlite = parsed.get_backend_name() == "sqlite"
    if readonly and sqlite:
        parsed = _read_only_sqlite_url(parsed)
    try:
        engine = create_engine(parsed)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"bad database URL {url!r}: {exc}") from None
    except ImportError as exc:  # a dialect SQLAlchemy knows, without its driver (mysql:// and no MySQLdb)
        raise ConfigError(f"bad database URL {url!r}: its driver is not installed ({exc}); newsdedup works "
                          "with sqlite:///FILE and postgresql+psycopg://USER@HOST/DBNAME") from None
    if readonly:
        event.listen(engine, "connect", _read_only_sqlite if sqlite else _read_only_pg)
    elif sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if sqlite:
        event.listen(engine, "begin", _sqlite_begin)
    return engine

