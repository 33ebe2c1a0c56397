"""Where the dedup stage looks up the stories a document may copy: in memory, or in the database.

Both indexes answer the same questions about the canonical texts stored so far: which one has
exactly this text (:meth:`exact`), which ones share an LSH band or an opening key with a
document (:meth:`candidates`; an opening key more than ``NEWSDEDUP_OPENING_MAX_ARTICLES``
articles share is boilerplate and finds none of them), and each candidate's text hash and
length (:meth:`describe`).

- :class:`MemoryIndex` (``NEWSDEDUP_DEDUP_INDEX=memory``, the default on SQLite) holds a
  datasketch ``MinHashLSH``, built from the stored signatures when a run starts. It is the
  fastest, and sees only what its own process stores: one writer per database.
- :class:`DatabaseIndex` (``database``, the default on PostgreSQL) reads the ``article_bands``
  and ``article_openings`` tables, which the store stage writes in the same transaction as the
  article. Any number of workers, on any number of machines, share it. Before a document is
  looked up, :meth:`DatabaseIndex.lock` takes a PostgreSQL transaction-level advisory lock on
  every key it can be found by (its band keys, its text hash, its opening keys, its URI and
  content), in sorted order, and :meth:`describe` locks the candidate articles' rows. Two
  documents that could match each other share a key, so they are deduplicated one after the
  other, and the second sees the first's article. The locks end with the document's
  transaction (the context commits after every document in this mode).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from datasketch import MinHashLSH
from sqlalchemy import bindparam, func, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from pipeline.dedup import bands
from pipeline.dedup.signatures import from_bytes
from pipeline.errors import StorageError
from pipeline.items import Document
from pipeline.store.models import Article, ArticleBand, ArticleOpening, IndexState, utcnow
from settings.config import DedupOptions

logger = logging.getLogger("newsdedup")

Described = dict[str, tuple[str, int]]  # article id -> (text hash, word count)


class CandidateIndex:
    """The interface of both indexes. ``shared`` is True when other processes write to it."""

    shared = False

    def __init__(self, session: Session, opts: DedupOptions) -> None:
        self.session, self.opts = session, opts

    def open(self) -> int:
        """Make the index ready; return the number of canonical texts it holds."""
        raise NotImplementedError

    def lock(self, doc: Document) -> None:
        """Hold off other writers that could store a copy of ``doc`` until this transaction ends."""

    def exact(self, text_hash: str) -> str | None:
        raise NotImplementedError

    def candidates(self, doc: Document) -> set[str]:
        raise NotImplementedError

    def describe(self, ids: Iterable[str]) -> Described:
        raise NotImplementedError

    def led(self, doc: Document) -> set[str]:
        """The articles a document of which opened as ``doc`` does (its ``lead`` key)."""
        raise NotImplementedError

    def add(self, article_id: str, doc: Document) -> None:
        """``doc`` founded ``article_id`` or became its canonical text, and its rows are written."""

    def joined(self, article_id: str, doc: Document) -> None:
        """``doc`` joined ``article_id`` otherwise, and its rows are written."""


class MemoryIndex(CandidateIndex):
    """A datasketch MinHashLSH plus dictionaries, loaded from the database once per run."""

    def __init__(self, session: Session, opts: DedupOptions) -> None:
        super().__init__(session, opts)
        self.lsh: MinHashLSH | None = None
        self.by_hash: dict[str, str] = {}
        self.articles: Described = {}
        self.openings: dict[str, set[str]] = defaultdict(set)

    def open(self) -> int:
        if self.lsh is not None:
            return len(self.articles)
        self._check_bands()
        self.lsh = MinHashLSH(threshold=self.opts.lsh_threshold, num_perm=self.opts.num_perm)
        rows = self.session.execute(select(Article.id, Article.text_hash, Article.signature,
                                           Article.signature_params, Article.word_count))
        with self.lsh.insertion_session() as lsh:
            for article_id, text_hash, sig_bytes, params, n_words in rows:
                if params != self.opts.signature_params:
                    raise bands.other_params(article_id, params, self.opts)
                lsh.insert(article_id, from_bytes(sig_bytes, self.opts))
                self.articles[article_id] = (text_hash, n_words)
                self.by_hash.setdefault(text_hash, article_id)
        for article_id, key in self.session.execute(select(ArticleOpening.article_id, ArticleOpening.key)):
            self.openings[key].add(article_id)
        return len(self.articles)

    def _check_bands(self) -> None:
        """This process is the only writer: bring the database's band index up to date (a
        database upgraded from an older version, or indexed with other parameters, is rebuilt)."""
        n = bands.ensure_built(self.session, self.opts)
        if n:
            logger.info("rebuilt the dedup index in the database: %d articles", n)

    def exact(self, text_hash: str) -> str | None:
        return self.by_hash.get(text_hash)

    def candidates(self, doc: Document) -> set[str]:
        assert self.lsh is not None
        found = set(self.lsh.query(doc.signature))
        for key in _keys(doc):
            sharing = self.openings.get(key, ())
            if len(sharing) <= self.opts.opening_max_articles:  # (more: boilerplate)
                found.update(sharing)
        return found

    def led(self, doc: Document) -> set[str]:
        return set(self.openings.get(doc.lead, ())) if doc.lead else set()

    def describe(self, ids: Iterable[str]) -> Described:
        return {i: self.articles[i] for i in ids if i in self.articles}

    def add(self, article_id: str, doc: Document) -> None:
        assert self.lsh is not None and doc.text_hash is not None
        if article_id in self.articles:
            self.lsh.remove(article_id)
        self.lsh.insert(article_id, doc.signature)
        self.articles[article_id] = (doc.text_hash, doc.word_count)
        self.by_hash[doc.text_hash] = article_id
        for key in _keys(doc):
            self.openings[key].add(article_id)

    def joined(self, article_id: str, doc: Document) -> None:
        if doc.lead:
            self.openings[doc.lead].add(article_id)


def _keys(doc: Document) -> list[str]:
    """The opening keys a document is looked up by and stored with: its paragraphs' and its lead's."""
    return [*doc.openings, doc.lead] if doc.lead else doc.openings


class DatabaseIndex(CandidateIndex):
    """The ``article_bands`` and ``article_openings`` tables, locked per key (PostgreSQL)."""

    shared = True

    def open(self) -> int:
        session = self.session
        if session.get_bind().dialect.name != "postgresql":
            raise StorageError("the shared dedup index (NEWSDEDUP_DEDUP_INDEX=database) needs PostgreSQL")
        n = bands.count_articles(session)
        state = bands.state(session)
        if state is None and n == 0:  # a new database: every article will get its bands
            session.execute(pg_insert(IndexState).values(name=bands.INDEX_NAME, params=bands.params(self.opts),
                                                         built_at=utcnow()).on_conflict_do_nothing())
            session.commit()
            state = bands.state(session)
        if state is None:
            raise StorageError("the database has no dedup index (upgraded from an older newsdedup, or the "
                               "index was lost): run `newsdedup index rebuild` once, with no worker running")
        if state.params != bands.params(self.opts):
            raise StorageError(f"the dedup index was built with {state.params!r}, but the settings say "
                               f"{bands.params(self.opts)!r}: use the settings the database was built with, "
                               "or run `newsdedup index rebuild` with no worker running")
        return n

    def lock(self, doc: Document) -> None:
        assert doc.text_hash is not None
        keys = set(doc.bands)
        keys.add(bands.lock_key("text", doc.text_hash))
        keys.add(bands.lock_key("doc", f"{doc.uri}\0{doc.sha256 or doc.text_hash}"))
        keys.update(bands.lock_key("opening", k) for k in _keys(doc))
        self.session.execute(_LOCK_KEYS, {"keys": sorted(keys)})

    def exact(self, text_hash: str) -> str | None:
        return self.session.scalar(select(Article.id).where(Article.text_hash == text_hash)
                                   .order_by(Article.first_seen, Article.id).limit(1))

    def candidates(self, doc: Document) -> set[str]:
        by_band = select(ArticleBand.article_id).where(ArticleBand.key.in_(doc.bands))
        if not _keys(doc):
            return set(self.session.scalars(by_band.distinct()))
        rare = (select(ArticleOpening.key).where(ArticleOpening.key.in_(_keys(doc)))
                .group_by(ArticleOpening.key).having(func.count() <= self.opts.opening_max_articles))
        by_opening = select(ArticleOpening.article_id).where(ArticleOpening.key.in_(rare))
        return set(self.session.scalars(union(by_band, by_opening)))

    def led(self, doc: Document) -> set[str]:
        if not doc.lead:
            return set()
        return set(self.session.scalars(select(ArticleOpening.article_id).where(ArticleOpening.key == doc.lead)))

    def describe(self, ids: Iterable[str]) -> Described:
        """The candidates' current text hash and length, their rows locked (in id order, so two
        workers never wait for each other) until the transaction ends."""
        ids = sorted(ids)
        if not ids:
            return {}
        rows = self.session.execute(select(Article.id, Article.text_hash, Article.word_count)
                                    .where(Article.id.in_(ids)).order_by(Article.id)
                                    .with_for_update(key_share=True))
        return {i: (h, n) for i, h, n in rows}


# The keys are locked in the order given (sorted by the caller): two workers wanting some of
# the same keys take them in the same order, so neither holds one the other waits for first.
_LOCK_KEYS = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS k") \
    .bindparams(bindparam("keys", type_=ARRAY(BIGINT)))


def make_index(session: Session, opts: DedupOptions, kind: str) -> CandidateIndex:
    """The index ``NEWSDEDUP_DEDUP_INDEX`` names (resolved: "memory" or "database")."""
    return DatabaseIndex(session, opts) if kind == "database" else MemoryIndex(session, opts)
