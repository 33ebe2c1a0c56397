"""Every exception newsdedup raises, in one place.

::

    NewsdedupError                 base of everything below
    ├── ConfigError                a setting or CLI flag is unusable (bad DB URL, bad value)
    ├── InputError                 no readable input at all (fatal for a run)
    ├── StorageError               the database failed or holds incompatible data
    │   └── DatabaseBusy           another process is writing to this SQLite file
    ├── WorkerError                a worker process of `ingest` died (killed, out of memory)
    ├── QueryError                 a search query that cannot be read (unclosed quote, NOT alone)
    ├── AmbiguousIdError           an id prefix that several articles share (lists a few)
    └── DocumentDropped            one document leaves the pipeline (a Scrapy DropItem)
        ├── DocumentSkipped        nothing to do: already ingested; not a failure
        └── DocumentFailed         bad input: recorded in the ``failures`` table, run goes on

A :class:`DocumentDropped` carries a short machine ``reason`` (``"empty"``,
``"binary"``, ``"already-ingested"``…) and a human message. Fatal errors
(the first four) stop a run with a non-zero exit; a dropped document never does.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.exceptions import DropItem


class NewsdedupError(Exception):
    """Base class of newsdedup's own errors."""


class ConfigError(NewsdedupError):
    """A setting, environment variable or CLI flag cannot be used."""


class InputError(NewsdedupError):
    """A run was given no readable input at all."""


class StorageError(NewsdedupError):
    """The database could not be used, or holds data made with other parameters."""


class DatabaseBusy(StorageError):
    """Another newsdedup process is writing to this SQLite database (one writer at a time)."""


class WorkerError(NewsdedupError):
    """A worker process of a parallel ingest died; the run stops, what was committed stays."""


class QueryError(NewsdedupError):
    """A search query that cannot be read; the message says where and why."""


class AmbiguousIdError(NewsdedupError):
    """An article id prefix that several articles share. ``candidates`` are the first few of
    them, (id, title), in id order; ``more`` says whether there are others. ``summary`` is the
    first line of the message; the message lists the candidates, one a line."""

    def __init__(self, prefix: str, candidates: Sequence[tuple[str, str]], *, more: bool) -> None:
        self.prefix = prefix
        self.candidates = tuple(candidates)
        self.more = more
        count = f"more than {len(self.candidates)}" if more else str(len(self.candidates))
        self.summary = f"the id prefix {prefix!r} is ambiguous: {count} articles start with it (give more of the id)"
        listing = [f"  {article_id}  {title}" for article_id, title in self.candidates] + (["  …"] if more else [])
        super().__init__("\n".join([self.summary, *listing]))


class DocumentDropped(NewsdedupError, DropItem):
    """One document leaves the pipeline, with a ``reason`` code and a message."""

    log_level_default = "INFO"

    def __init__(self, reason: str, message: str, *, stage: str = "") -> None:
        DropItem.__init__(self, f"{reason}: {message}", log_level=self.log_level_default)
        self.reason = reason
        self.message = message
        self.stage = stage


class DocumentSkipped(DocumentDropped):
    """Nothing to do for this document (for example, it was ingested before)."""

    log_level_default = "DEBUG"


class DocumentFailed(DocumentDropped):
    """The document is bad input. It is recorded as a failure; the run goes on."""

    log_level_default = "WARNING"
