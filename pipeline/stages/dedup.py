"""dedup: join a document to the story it copies, or start a new story."""

from __future__ import annotations

import hashlib

from datasketch import MinHash, MinHashLSH
from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.errors import StorageError
from pipeline.items import Document
from pipeline.signatures import from_bytes, jaccard
from pipeline.stages.base import Stage
from pipeline.storage import Article
from pipeline.text.normalize import shingles


class DedupStage(Stage):
    """Sets ``article_id``, ``relation`` and ``similarity``.

    - ``exact``: the cleaned text is identical to a canonical article's;
    - ``near``: MinHashLSH (indexed at ``NEWSDEDUP_LSH_THRESHOLD``) proposes
      candidates; each is scored by the signature estimate, replaced by the
      exact shingle Jaccard when within ``NEWSDEDUP_VERIFY_MARGIN`` of
      ``NEWSDEDUP_NEAR_THRESHOLD``; the best one at or above the threshold wins;
    - ``original``: nothing matched; the document founds a new article.

    Only canonical articles are indexed, so a document joins a story by its
    similarity to the story's canonical text, never through a chain of copies.
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
        self.signatures: dict[str, MinHash] = {}

    def open_spider(self) -> None:
        super().open_spider()
        self.load_index()

    def reset(self) -> None:
        self.lsh = None
        self.by_hash.clear()
        self.signatures.clear()

    def load_index(self) -> None:
        """Build the LSH index from every stored signature (once per run)."""
        if self.lsh is not None:
            return
        self.lsh = MinHashLSH(threshold=self.opts.lsh_threshold, num_perm=self.opts.num_perm)
        rows = self.ctx.session.execute(
            select(Article.id, Article.text_hash, Article.signature, Article.signature_params)
        )
        with self.lsh.insertion_session() as session:
            for article_id, text_hash, sig_bytes, params in rows:
                if params != self.opts.signature_params:
                    raise StorageError(
                        f"article {article_id} has a signature made with {params!r}, but the "
                        f"settings say {self.opts.signature_params!r}; use the parameters the "
                        "database was built with"
                    )
                sig = from_bytes(sig_bytes, self.opts)
                session.insert(article_id, sig)
                self.signatures[article_id] = sig
                self.by_hash.setdefault(text_hash, article_id)
        self.count("index/loaded", len(self.signatures))

    def process(self, doc: Document) -> Document:
        self.load_index()
        assert self.lsh is not None and doc.text_hash is not None
        exact = self.by_hash.get(doc.text_hash)
        if exact is not None:
            return self._join(doc, exact, "exact", 1.0)
        best_id, best_sim = self._best_candidate(doc)
        if best_id is not None and best_sim >= self.opts.near_threshold:
            return self._join(doc, best_id, "near", best_sim)
        article_id = hashlib.sha256(f"{doc.uri}\0{doc.sha256 or doc.text_hash}".encode()).hexdigest()[:16]
        self.lsh.insert(article_id, doc.signature)
        self.signatures[article_id] = doc.signature
        self.by_hash[doc.text_hash] = article_id
        return self._join(doc, article_id, "original", 1.0)

    def _best_candidate(self, doc: Document) -> tuple[str | None, float]:
        assert self.lsh is not None
        best: tuple[float, str] | None = None
        doc_shingles: set[str] | None = None
        for cand in sorted(self.lsh.query(doc.signature)):
            sim = float(doc.signature.jaccard(self.signatures[cand]))
            self.count("candidates")
            if abs(sim - self.opts.near_threshold) <= self.opts.verify_margin:
                article = self.ctx.session.get(Article, cand)
                if article is not None:
                    if doc_shingles is None:
                        doc_shingles = shingles(doc.body_text, self.opts.shingle_words)
                    sim = jaccard(doc_shingles, shingles(article.text, self.opts.shingle_words))
                    self.count("verified-exactly")
            if best is None or sim > best[0]:
                best = (sim, cand)
        return (best[1], best[0]) if best else (None, 0.0)

    def _join(self, doc: Document, article_id: str, relation: str, similarity: float) -> Document:
        doc.article_id, doc.relation, doc.similarity = article_id, relation, round(similarity, 4)
        self.count(f"relation/{relation}")
        return doc
