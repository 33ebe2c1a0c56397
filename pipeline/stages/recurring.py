"""recurring: lines a source repeats across its documents are page furniture, not article text."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.store.models import RecurringLine, upsert_recurring_lines
from pipeline.text.normalize import CACHED_LINE_CHARS, CACHED_LINES, clean_line, letters_key, word_count

DOCS = "documents"  # the row that counts a source's documents


def source_key(uri: str) -> str:
    """The source a document belongs to: the web host (without ``www.``), or a local file's folder."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        return host.removeprefix("www.")
    return str(PurePosixPath(unquote(parts.path)).parent)


class _PageLine(NamedTuple):
    """A line of the page as the stage reads it (a line shown twice counts once)."""

    key: str
    words: int
    prose: bool
    recurring: bool  # in enough of the source's documents to be its furniture
    seen: bool  # ...or in at least one earlier document of the source


def line_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


# a source's furniture recurs on each of its pages: the hashes of short lines are cached
_short_line_hash = lru_cache(maxsize=CACHED_LINES)(line_hash)


class RecurringLinesStage(Stage):
    """Sets ``recurring``: the lines of this document that its source repeats elsewhere.

    A short line (fewer than ``NEWSDEDUP_PARAGRAPH_MIN_WORDS`` words: menus, labels, links)
    counts as recurring once it has been seen in at least ``NEWSDEDUP_RECURRING_MIN_DOCS``
    documents of the same source, and in at least ``NEWSDEDUP_RECURRING_MIN_SHARE`` of them
    (a subhead some articles share, such as "Conclusion", is not page furniture). A prose
    line (a comment policy, a disclaimer, an "About us" paragraph) needs more:
    ``NEWSDEDUP_RECURRING_PROSE_MIN_DOCS`` documents and ``NEWSDEDUP_RECURRING_PROSE_MIN_SHARE``
    of them, and it is marked only where it looks like furniture on this page: beside more
    recurring short lines than recurring prose lines (a source's furniture is mostly menus and
    labels), or beside more words of prose the source never printed before than of prose it
    did (the page's own story, where a story copied across a folder of pasted pages is mostly
    paragraphs its other copies printed, recurring or not yet). The first documents of a
    source, which found its stories, are never marked.

    Nothing is marked when the lines left longer than a menu item
    (``NEWSDEDUP_SHORT_LINE_MAX_WORDS``) would hold fewer than ``NEWSDEDUP_MIN_TEXT_WORDS``
    words: the document is then a copy of another one of the source, which is the dedup
    stage's business.

    Counts come from this run (learnt as documents arrive) and from earlier runs (stored
    per source in the ``recurring_lines`` table). Outside a database run (``newsdedup
    clean``) it learns in memory only. A document that breaks in a later stage is
    forgotten. Drops nothing.

    Also sets ``repeated``: the prose lines the source repeats that were left unmarked (a story's
    paragraphs, or furniture the guards above could not tell from them). The dedup stage does
    not take them as evidence of a copy (:class:`pipeline.stages.fingerprint.FingerprintStage`).
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
        opts = self.opts
        source = source_key(doc.uri)
        counts, seen = self._counts(source), self.seen[source]
        docs = counts[DOCS] + seen[DOCS]  # documents of this source before this one
        needed_short = max(opts.recurring_min_docs - 1, opts.recurring_min_share * docs)
        needed_prose = max(opts.recurring_prose_min_docs - 1, opts.recurring_prose_min_share * docs)
        lines: list[_PageLine] = []
        hashes: dict[str, str] = {}
        for text in map(clean_line, doc.lines):
            key = letters_key(text) if text else ""
            if not key or key in hashes:
                continue
            h = hashes[key] = _short_line_hash(key) if len(key) <= CACHED_LINE_CHARS else line_hash(key)
            n = counts.get(h, 0) + seen.get(h, 0)
            n_words = word_count(text)
            prose = n_words >= opts.paragraph_min_words
            lines.append(_PageLine(key, n_words, prose, n >= (needed_prose if prose else needed_short), n > 0))
        recurring = self._furniture(lines)
        doc.recurring = recurring
        doc.repeated = {ln.key for ln in lines if ln.prose and ln.recurring and ln.key not in recurring}
        self.count("lines-marked", len(recurring))
        learnt = {*hashes.values(), DOCS}
        seen.update(learnt)
        if self.ctx.has_database:  # `newsdedup clean` has no units: documents never end there
            self.in_flight[(doc.uri, doc.sha256)] = (source, learnt)
        return doc

    def _furniture(self, lines: list[_PageLine]) -> set[str]:
        """The keys to mark, from the page's lines as ``process`` reads them."""
        short = sum(1 for ln in lines if ln.recurring and not ln.prose)
        prose_marks = [i for i, ln in enumerate(lines) if ln.prose and ln.recurring]
        new_words = sum(ln.words for ln in lines if ln.prose and not ln.seen)
        seen_words = sum(ln.words for ln in lines if ln.prose and ln.seen)
        if prose_marks and len(prose_marks) >= short and new_words <= seen_words:
            self.count("prose-kept")  # shared paragraphs here are a story's, not the source's furniture
            prose_marks = []
        # What is left, in lines longer than a menu item or a name: a teaser's cut-off second
        # paragraph may be shorter than a paragraph.
        marked = {i for i, ln in enumerate(lines) if ln.recurring and not ln.prose} | set(prose_marks)
        left = sum(ln.words for i, ln in enumerate(lines) if i not in marked and ln.words > self.opts.short_line_max_words)
        if left < self.opts.min_text_words:
            self.count("copies")  # what is left would not be an article: a copy of another document
            return set()
        return {lines[i].key for i in marked}

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
