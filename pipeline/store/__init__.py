"""The database: what its tables hold, how it is connected to, made and upgraded.

- :mod:`~pipeline.store.models`: the tables, as SQLAlchemy models;
- :mod:`~pipeline.store.engine`: URLs, SQLite's pragmas, read-only connections, writers' transactions;
- :mod:`~pipeline.store.database`: :class:`~pipeline.store.database.Database`, the handle the code opens;
- :mod:`~pipeline.store.schema` and ``migrations/``: the schema's revision, made or upgraded (Alembic);
- :mod:`~pipeline.store.fulltext`: the full-text index (SQLite FTS5, a PostgreSQL ``tsvector``);
- :mod:`~pipeline.store.writers`: one writer per SQLite file, and the runs of dead processes.

Nothing here imports the stages, the dedup index, the readers or the crawler: they use the store.
"""
