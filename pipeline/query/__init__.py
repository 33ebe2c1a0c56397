"""Reading the database: search, articles with their sources, stories, counts, exports, the web view.

- :mod:`~pipeline.query.search`: the query language, parsed once and written as FTS5 or ``tsquery``;
- :mod:`~pipeline.query.records`: the typed records, :class:`~pipeline.query.records.Filters`, the queries;
- :mod:`~pipeline.query.api`: ``open_db``, the read-only Python API the CLI and the web view use;
- :mod:`~pipeline.query.export`: JSON lines, CSV, Parquet;
- :mod:`~pipeline.query.web`: ``newsdedup serve`` (FastAPI and Jinja templates).

The wing reads through the store (:mod:`pipeline.store`) and writes nothing.
"""
