"""newsdedup: clean news pages, find the copies of each story, store one canonical article each.

The public API is small:

- :func:`open_db` (:mod:`pipeline.query.api`) opens a database read-only, to search it and read
  articles, their sources, stories and counts as typed records;
- :func:`pipeline.runner.ingest` runs the stages over local files;
- :class:`pipeline.store.database.Database` is the read-write handle the stages use;
- :mod:`pipeline.errors` holds every exception newsdedup raises.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["open_db"]


def __getattr__(name: str) -> Any:  # import the API on first use: worker processes never need it
    if name == "open_db":
        from pipeline.query.api import open_db

        return open_db
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
