"""store: write canonical articles and provenance rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from pipeline.dedup.alignment import Alignment, tokens
from pipeline.dedup.signatures import to_bytes
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.store.models import Article, ArticleBand, ArticleOpening, Fetch, Provenance, local_time, utcnow


class StoreStage(Stage):
    """Adds a ``provenance`` row for every document that reached it (with its ``fetches``
    row when a crawl fetched it), and an ``articles`` row (with its opening keys and LSH
    band keys, the dedup index in the database) for each ``original``; every document adds
    the key of how it opens (``lead``) to its story's opening keys.

    A document that ``replaces_canonical`` overwrites its story's canonical text and
    metadata (the earliest published date is kept); the founding document's row keeps its
    relation, ``original``, with its similarity to the new text. The rows are flushed before the stage returns, inside
    the document's SAVEPOINT (:mod:`pipeline.context`): a row the database refuses fails this
    document alone. They are committed with the batch, every ``NEWSDEDUP_STORE_BATCH``
    documents (every document with the shared dedup index); an interrupted run loses at most the
    uncommitted batch, which the next run redoes. It ends the document's unit, so it must be
    the last stage.
    Drops nothing.
    """

    name = "store"
    uses_database = True

    def _replace_canonical(self, doc: Document, now: datetime) -> None:
        """Make ``doc`` the canonical text of its story; the founding row stays ``original``, its
        similarity now measured against the new text."""
        session = self.ctx.session
        article = session.get(Article, doc.article_id, populate_existing=True)  # another worker may have changed it
        assert article is not None
        opts = self.config.dedup
        similarity = Alignment.of(tokens(article.text, opts), doc.tokens, opts).similarity
        for row in session.scalars(select(Provenance).where(
                Provenance.article_id == article.id, Provenance.relation == "original")):
            row.similarity = round(similarity, 4)
        article.title, article.text = doc.title, doc.body_text
        article.authors = doc.authors or article.authors
        if article.published is None:
            article.published, article.published_offset = local_time(doc.published)
        article.language, article.credits = doc.language, doc.credits
        article.outlet, article.canonical_uri = doc.outlet, doc.uri
        article.text_hash, article.word_count = doc.text_hash or "", doc.word_count
        article.signature, article.updated_at = to_bytes(doc.signature), now
        self.ctx.count("canonical-replaced")

    def process(self, doc: Document) -> Document:
        self.ctx.writes(doc)  # what follows is undone alone if it fails
        session = self.ctx.session
        now = utcnow()
        fetched_at = doc.fetched_at or now
        if doc.relation == "original":
            published, offset = local_time(doc.published)
            session.add(Article(
                id=doc.article_id, title=doc.title, text=doc.body_text, authors=doc.authors,
                published=published, published_offset=offset, language=doc.language, credits=doc.credits,
                outlet=doc.outlet, canonical_uri=doc.uri, text_hash=doc.text_hash,
                word_count=doc.word_count, signature=to_bytes(doc.signature),
                signature_params=self.config.dedup.signature_params,
                first_seen=fetched_at, updated_at=now,
            ))
        elif doc.replaces_canonical:
            self._replace_canonical(doc, now)
        if doc.relation == "original":
            session.add_all(ArticleOpening(article_id=doc.article_id, key=key) for key in doc.openings)
        elif doc.replaces_canonical:  # the story keeps the old text's opening keys too (merged); its
            for key in doc.openings:  # bands are the new text's only
                session.merge(ArticleOpening(article_id=doc.article_id, key=key))
            session.execute(delete(ArticleBand).where(ArticleBand.article_id == doc.article_id))
        if doc.lead is not None:  # how each document of the story opens (a key of its own kind)
            row = ArticleOpening(article_id=doc.article_id, key=doc.lead)
            if doc.relation == "original":
                session.add(row)
            else:
                session.merge(row)
        if doc.relation == "original" or doc.replaces_canonical:
            session.add_all(ArticleBand(key=key, article_id=doc.article_id) for key in set(doc.bands))
        session.add(Provenance(
            article_id=doc.article_id, run_id=self.ctx.run.id if self.ctx.run else None,
            uri=doc.uri, fetched_at=fetched_at, content_sha256=doc.sha256 or doc.text_hash,
            size=doc.size, mtime=doc.mtime, encoding=doc.encoding, title=doc.title,
            similarity=doc.similarity, relation=doc.relation, credits=doc.credits, outlet=doc.outlet,
            fetch=None if doc.status is None else Fetch(
                status=doc.status, canonical_url=doc.canonical_url, found_in=doc.found_in,
                etag=doc.etag, last_modified=doc.last_modified),
        ))
        session.flush()  # a refused row fails this document, here, and no other
        self.ctx.document_stored(doc)  # the document's unit ends: its rows go with the batch
        return doc
