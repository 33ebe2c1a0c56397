"""dedup: join a document to the story it copies, or start a new story."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from datasketch import MinHashLSH
from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.errors import StorageError
from pipeline.items import Document
from pipeline.relations import Overlap, facts_agree, numbers, opening_keys
from pipeline.relations import relation as relation_of
from pipeline.signatures import ShingleIds, from_bytes, shingle_ids
from pipeline.stages.base import Stage
from pipeline.storage import Article, ArticleOpening
from pipeline.text.normalize import shingles


@dataclass
class Match:
    """A candidate story the document would join, and how."""

    article_id: str
    relation: str
    similarity: float


class DedupStage(Stage):
    """Sets ``article_id``, ``relation``, ``similarity`` and ``replaces_canonical``.

    Candidates come from MinHashLSH (indexed at ``NEWSDEDUP_LSH_THRESHOLD``) and
    from an index of the openings of each canonical's first paragraphs (a teaser
    is too short for Jaccard-based LSH to find). Each candidate is verified
    against the canonical text; one that states other numbers is another story
    cast from the same template (:func:`pipeline.relations.facts_agree`). The
    relation is, in this order:

    - ``exact``: the cleaned text is identical to a canonical text of the story;
    - ``update``, ``contained`` or ``near``: see :func:`pipeline.relations.relation`;
    - ``original``: nothing matched; the document founds a new article.

    Only canonical texts are indexed, so a document joins a story by its
    similarity to the story's canonical text, never through a chain of copies.
    When a joining document is more complete (more words) than the canonical, it
    takes the canonical place (``replaces_canonical``); every provenance row stays.
    The index is rebuilt from the signatures stored in the database when the
    stage opens; signatures made with other MinHash parameters are refused.
    Drops nothing.
    """

    name = "dedup"
    uses_database = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.opts = ctx.config.dedup
        self.lsh: MinHashLSH | None = None
        self.by_hash: dict[str, str] = {}
        self.words: dict[str, int] = {}
        self.openings: dict[str, set[str]] = defaultdict(set)
        self.canonical_cache: dict[str, tuple[ShingleIds, set[str]]] = {}

    def open_spider(self) -> None:
        super().open_spider()
        self.load_index()

    def reset(self) -> None:
        self.lsh = None
        self.by_hash.clear()
        self.words.clear()
        self.openings.clear()
        self.canonical_cache.clear()

    def load_index(self) -> None:
        """Build the indexes from the stored signatures and opening keys (once per run)."""
        if self.lsh is not None:
            return
        self.lsh = MinHashLSH(threshold=self.opts.lsh_threshold, num_perm=self.opts.num_perm)
        session = self.ctx.session
        self._backfill_openings()
        rows = session.execute(select(Article.id, Article.text_hash, Article.signature,
                                      Article.signature_params, Article.word_count))
        with self.lsh.insertion_session() as lsh:
            for article_id, text_hash, sig_bytes, params, n_words in rows:
                if params != self.opts.signature_params:
                    raise StorageError(
                        f"article {article_id} has a signature made with {params!r}, but the "
                        f"settings say {self.opts.signature_params!r}; use the parameters the "
                        "database was built with"
                    )
                lsh.insert(article_id, from_bytes(sig_bytes, self.opts))
                self.words[article_id] = n_words
                self.by_hash.setdefault(text_hash, article_id)
        for article_id, key in session.execute(select(ArticleOpening.article_id, ArticleOpening.key)):
            self.openings[key].add(article_id)
        self.count("index/loaded", len(self.words))

    def _backfill_openings(self) -> None:
        """A database made before opening keys were kept gets them now (once: afterwards
        the store writes them with each article, and an article may rightly have none)."""
        session = self.ctx.session
        if session.scalar(select(ArticleOpening.key).limit(1)) is not None or \
                session.scalar(select(Article.id).limit(1)) is None:
            return
        for article_id, text in session.execute(select(Article.id, Article.text)).all():
            for key in opening_keys(text.split("\n\n"), self.opts):
                session.merge(ArticleOpening(article_id=article_id, key=key))
            self.count("index/backfilled")
        session.flush()

    def process(self, doc: Document) -> Document:
        self.load_index()
        assert self.lsh is not None and doc.text_hash is not None
        exact = self.by_hash.get(doc.text_hash)
        if exact is not None:
            return self._join(doc, exact, "exact", 1.0)
        best = self._best_match(doc)
        if best is not None:
            return self._join(doc, best.article_id, best.relation, best.similarity)
        article_id = hashlib.sha256(f"{doc.uri}\0{doc.sha256 or doc.text_hash}".encode()).hexdigest()[:16]
        self._index(article_id, doc)
        return self._join(doc, article_id, "original", 1.0)

    def _candidates(self, doc: Document) -> list[str]:
        assert self.lsh is not None
        found = set(self.lsh.query(doc.signature))
        for key in opening_keys(doc.body, self.opts):
            found |= self.openings.get(key, set())
        self.count("candidates", len(found))
        return sorted(found)

    def _best_match(self, doc: Document) -> Match | None:
        """The story this document joins: of the candidates it relates to, the most similar
        (ties: the highest id, for determinism). A teaser's Jaccard with its own story can be
        lower than with an unrelated one, so every candidate's relation is judged first."""
        best: Match | None = None
        doc_numbers = numbers(doc.body_text)
        for cand in self._candidates(doc):
            # Every candidate is verified on the exact shingles: the signature estimate
            # cannot tell containment (teaser, update) and is loose near the threshold.
            canonical = self._canonical(cand)
            if canonical is None:
                continue
            canon_shingles, canon_numbers = canonical
            self.count("verified-exactly")
            if not facts_agree(doc_numbers, canon_numbers, self.opts):
                self.count("other-facts")  # same template, other story
                continue
            overlap = Overlap.of(doc.shingles, canon_shingles)
            relation, similarity = relation_of(overlap, doc.word_count - self.words[cand],
                                               self.config.clean.paragraph_min_words, self.opts)
            if relation is None:
                continue
            match = Match(cand, relation, similarity)
            if best is None or (match.similarity, match.article_id) > (best.similarity, best.article_id):
                best = match
        return best

    def _canonical(self, article_id: str) -> tuple[ShingleIds, set[str]] | None:
        """Shingles and numbers of a story's canonical text, cached for the run (syndicated
        stories are compared with many copies)."""
        cached = self.canonical_cache.get(article_id)
        if cached is None:
            article = self.ctx.session.get(Article, article_id)
            if article is None:
                return None
            cached = (shingle_ids(shingles(article.text, self.opts.shingle_words), self.opts), numbers(article.text))
        self._remember(article_id, cached)
        return cached

    def _remember(self, article_id: str, canonical: tuple[ShingleIds, set[str]]) -> None:
        """Cache a canonical text's shingles and numbers, most recently used last."""
        self.canonical_cache.pop(article_id, None)
        self.canonical_cache[article_id] = canonical
        if len(self.canonical_cache) > self.opts.canonical_cache:
            self.canonical_cache.pop(next(iter(self.canonical_cache)))

    def _index(self, article_id: str, doc: Document) -> None:
        """Index a new canonical text (the store stage writes its opening keys)."""
        assert self.lsh is not None
        self.lsh.insert(article_id, doc.signature)
        self._remember(article_id, (doc.shingles, numbers(doc.body_text)))  # the new canonical text
        self.words[article_id] = doc.word_count
        self.by_hash[doc.text_hash or ""] = article_id
        for key in opening_keys(doc.body, self.opts):
            self.openings[key].add(article_id)

    def _join(self, doc: Document, article_id: str, relation: str, similarity: float) -> Document:
        doc.article_id, doc.relation, doc.similarity = article_id, relation, round(similarity, 4)
        if relation in ("near", "update") and doc.word_count > self.words.get(article_id, 0):
            doc.replaces_canonical = True  # the more complete version becomes canonical
            assert self.lsh is not None
            self.lsh.remove(article_id)
            self._index(article_id, doc)
            self.count("canonical-replaced")
        self.count(f"relation/{relation}")
        return doc
