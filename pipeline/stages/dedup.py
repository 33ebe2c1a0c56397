"""dedup: join a document to the story it copies, or start a new story."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.dedup.alignment import Alignment, Tokens, tokens
from pipeline.dedup.index import CandidateIndex, Described, make_index
from pipeline.dedup.relations import relation as relation_of
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.store.database import Database
from pipeline.store.models import Article


@dataclass
class Match:
    """A candidate story the document would join, and how."""

    article_id: str
    relation: str
    similarity: float
    words: int  # the story's canonical text's length
    alignment: Alignment | None = None  # the document's with the canonical text (None: exact, original)

    def rank(self) -> tuple[float, bool, float, str]:
        """Which of two stories a document joins: the more similar (to two decimals); then the one
        whose opening it aligns with (a teaser quotes its own story's opening, a follow-up quotes
        the middle of an older one); then the one it covers more of; then the higher id."""
        a = self.alignment
        return (round(self.similarity, 2), a is not None and a.canonical_start == 0,
                a.canonical_in_text if a is not None else 0.0, self.article_id)


class DedupStage(Stage):
    """Sets ``article_id``, ``relation``, ``similarity`` and ``replaces_canonical``.

    Candidates come from MinHashLSH (indexed at ``NEWSDEDUP_LSH_THRESHOLD``, low for
    recall) and from an index of the openings of each canonical's first paragraphs (a
    teaser is too short for Jaccard-based LSH to find). Each candidate is verified on
    the word alignment of the document with the canonical text
    (:mod:`pipeline.dedup.alignment`): one that puts other numbers or names in the same
    sentences is another story cast from the same template, and is dropped as a
    candidate (``other-facts``). The relation is, in this order:

    - ``exact``: the cleaned text is identical to a canonical text of the story;
    - ``update``, ``contained`` or ``near``: see :func:`pipeline.dedup.relations.relation`;
    - ``original``: nothing matched; the document founds a new article.

    Only canonical texts are indexed, so a document joins a story by its
    similarity to the story's canonical text, never through a chain of copies.
    When a joining document is more complete (more words) than the canonical, it
    takes the canonical place (``replaces_canonical``); every provenance row stays.
    The index (:mod:`pipeline.dedup.index`, ``NEWSDEDUP_DEDUP_INDEX``) is in memory,
    built from the stored signatures when the stage opens, or in the database, shared
    by several workers; signatures made with other MinHash parameters are refused.
    With the shared index, the document's keys are locked first, and a document
    another worker stored meanwhile is dropped (skipped: ``already-ingested``).
    Otherwise drops nothing. A new or replacing canonical text enters the in-memory index once
    the document is stored (:meth:`document_kept`), never before: a document whose rows are
    rolled back leaves no trace there.
    """

    name = "dedup"
    uses_database = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.opts = ctx.config.dedup
        self._index_: CandidateIndex | None = None  # made on first use: no connection before workers fork
        self.canonical_cache: dict[str, Tokens] = {}  # by text hash

    def open_spider(self) -> None:
        super().open_spider()
        self.load_index()

    @property
    def index(self) -> CandidateIndex:
        """The index, ready (made and loaded once per run)."""
        if self._index_ is None:
            index = make_index(self.ctx.session, self.opts, self.config.dedup_index)
            self.count("index/loaded", index.open())
            self._index_ = index
        return self._index_

    def load_index(self) -> None:
        self.index  # noqa: B018 (made and loaded on first use)

    def process(self, doc: Document) -> Document:
        assert doc.text_hash is not None
        if self.index.shared:
            self.index.lock(doc)
            if Database.stored(self.ctx.session, doc.uri, doc.sha256):  # (its locks end with the
                # document's transaction, which the context commits when it records the skip)
                self.skip("already-ingested", "another worker stored the same content from this URI")
        exact = self.index.exact(doc.text_hash)
        if exact is not None:
            return self._join(doc, Match(exact, "exact", 1.0, doc.word_count))
        best = self._best_match(doc)
        if best is not None:
            return self._join(doc, best)
        article_id = hashlib.sha256(f"{doc.uri}\0{doc.sha256 or doc.text_hash}".encode()).hexdigest()[:16]
        return self._join(doc, Match(article_id, "original", 1.0, doc.word_count))

    def _candidates(self, doc: Document) -> Described:
        found = self.index.describe(self.index.candidates(doc))
        self.count("candidates", len(found))
        return found

    def _best_match(self, doc: Document) -> Match | None:
        """The story this document joins: of the candidates it relates to, the best by
        :meth:`Match.rank`. A teaser's similarity with its own story can be lower than with an
        unrelated one, so every candidate's relation is judged first."""
        best: Match | None = None
        candidates = self._candidates(doc)
        led = self.index.led(doc) if candidates else set()
        for cand, (text_hash, words) in sorted(candidates.items()):
            canonical = self._canonical(cand, text_hash)
            if canonical is None:
                continue
            self.count("verified-exactly")
            alignment = Alignment.of(doc.match_tokens or doc.tokens, canonical, self.opts)
            if alignment.other_facts(self.opts):
                self.count("other-facts")  # same template, other story
                continue
            relation, similarity = relation_of(alignment, self.config.clean.paragraph_min_words, self.opts,
                                               led=cand in led)
            if relation is None or (relation == "contained" and doc.furniture_only):
                continue  # (a page of nothing but its source's repeated prose is in all its pages)
            match = Match(cand, relation, similarity, words, alignment)
            if best is None or match.rank() > best.rank():
                best = match
        return best

    def _canonical(self, article_id: str, text_hash: str) -> Tokens | None:
        """The words of a story's canonical text, cached for the run by its text hash
        (syndicated stories are compared with many copies; another worker may replace a text)."""
        cached = self.canonical_cache.get(text_hash)
        if cached is None:
            text = self.ctx.session.scalar(select(Article.text).where(Article.id == article_id))
            if text is None:
                return None
            cached = tokens(text, self.opts)
        self._remember(text_hash, cached)
        return cached

    def _remember(self, text_hash: str, canonical: Tokens) -> None:
        """Cache a canonical text's words, most recently used last."""
        self.canonical_cache.pop(text_hash, None)
        self.canonical_cache[text_hash] = canonical
        if len(self.canonical_cache) > self.opts.canonical_cache:
            self.canonical_cache.pop(next(iter(self.canonical_cache)))

    def document_kept(self, doc: Document) -> None:
        """A document stored (the store stage wrote its rows): index a new canonical text, or
        the lead key of a document that joined a story."""
        if doc.article_id is None:
            return
        if not (doc.relation == "original" or doc.replaces_canonical):
            self.index.joined(doc.article_id, doc)
            return
        self.index.add(doc.article_id, doc)
        self._remember(doc.text_hash or "", doc.tokens)

    def _join(self, doc: Document, match: Match) -> Document:
        doc.article_id, doc.relation, doc.similarity = match.article_id, match.relation, round(match.similarity, 4)
        a, gain = match.alignment, self.opts.canonical_gain_words
        if a is not None and a.longest_extra >= gain and a.longest_missing < gain:
            doc.replaces_canonical = True  # the more complete version becomes canonical
            self.count("canonical-replaced")
        self.count(f"relation/{match.relation}")
        return doc
