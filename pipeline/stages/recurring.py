"""recurring: lines a source repeats across its documents are page furniture, not article text."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.store.models import RecurringLine, upsert_recurring_lines
from pipeline.text.normalize import clean_line, has_words, letters_key, word_count

DOCS = "documents"  # the row that counts a source's documents


def source_key(uri: str) -> str:
    """The source a document belongs to: the web host (without ``www.``), or a local file's folder."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        return host.removeprefix("www.")
    return str(PurePosixPath(unquote(parts.path)).parent)


def line_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


class RecurringLinesStage(Stage):
    """Sets ``recurring``: the short lines of this document that its source repeats elsewhere.

    Only lines shorter than a paragraph (``NEWSDEDUP_PARAGRAPH_MIN_WORDS``) are
    considered. A line counts as recurring once it has been seen in at least
    ``NEWSDEDUP_RECURRING_MIN_DOCS`` documents of the same source, and in at least
    ``NEWSDEDUP_RECURRING_MIN_SHARE`` of them (a subhead some articles share, such as
    "Conclusion", is not page furniture). Counts come from this run (learnt as
    documents arrive) and from earlier runs (stored per source in the
    ``recurring_lines`` table). When recurring lines would make up most of a
    document's words, the document is taken to be a copy of another one of the
    source, and nothing is marked. Outside a database run (``newsdedup clean``) it
    learns in memory only. A document that breaks in a later stage is forgotten. Drops nothing.
    """

    name = "recurring"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.opts = ctx.config.clean
        self.stored: dict[str, Counter[str]] = {}
        self.seen: dict[str, Counter[str]] = defaultdict(Counter)
        # what each document in flight added to ``seen``, until it ends (taken back if it breaks)
        self.in_flight: dict[tuple[str, str | None], tuple[str, set[str]]] = {}

    def process(self, doc: Document) -> Document:
        source = source_key(doc.uri)
        counts = self._counts(source)
        # Prose is never furniture: paragraphs shared by documents of one source are copies of
        # one story, which is the dedup stage's business, not page furniture.
        keys = {letters_key(t): t for t in map(clean_line, doc.lines)
                if t and not has_words(t, self.opts.paragraph_min_words)}
        keys.pop("", None)
        hashes = {key: line_hash(key) for key in keys}
        docs = counts[DOCS] + self.seen[source][DOCS]  # documents of this source before this one
        needed = max(self.opts.recurring_min_docs - 1, self.opts.recurring_min_share * docs)
        recurring = {key for key, h in hashes.items() if counts[h] + self.seen[source][h] >= needed}
        marked_words = sum(word_count(keys[k]) for k in recurring)
        total_words = sum(word_count(t) for t in keys.values()) or 1
        if marked_words > self.opts.recurring_max_share * total_words:
            self.count("copies")
            recurring = set()
        doc.recurring = recurring
        self.count("lines-marked", len(recurring))
        learnt = {*hashes.values(), DOCS}
        self.seen[source].update(learnt)
        if self.ctx.has_database:  # `newsdedup clean` has no units: documents never end there
            self.in_flight[(doc.uri, doc.sha256)] = (source, learnt)
        return doc

    def document_kept(self, doc: Document) -> None:
        self.in_flight.pop((doc.uri, doc.sha256), None)

    def document_discarded(self, doc: Document) -> None:
        learnt = self.in_flight.pop((doc.uri, doc.sha256), None)
        if learnt is not None:
            source, hashes = learnt
            self.seen[source].subtract(hashes)

    def _counts(self, source: str) -> Counter[str]:
        if source not in self.stored:
            self.stored[source] = Counter()
            if self.ctx.has_database:
                rows = self.ctx.session.execute(
                    select(RecurringLine.line_hash, RecurringLine.documents)
                    .where(RecurringLine.source == source))
                self.stored[source].update(dict(rows.all()))
        return self.stored[source]

    def close_spider(self) -> None:
        """Store this run's counts: lines seen in two or more documents, or already stored."""
        if not self.ctx.has_database or self.ctx.closed or self.ctx.error is not None:
            return
        rows = sorted((source, h, n) for source, counts in self.seen.items() for h, n in counts.items()
                      if n >= 2 or h in self.stored.get(source, ()))  # one order: concurrent writers never deadlock
        upsert_recurring_lines(self.ctx.session, rows)
        self.ctx.commit()
