"""store: write canonical articles and provenance rows."""

from __future__ import annotations

from pipeline.items import Document
from pipeline.signatures import to_bytes
from pipeline.stages.base import Stage
from pipeline.storage import Article, Provenance, utcnow


class StoreStage(Stage):
    """Adds a ``provenance`` row for every document that reached it, and an
    ``articles`` row for each ``original``. Rows are flushed at once (so later
    documents of the run see them) and committed every ``NEWSDEDUP_STORE_BATCH``
    documents; an interrupted run loses at most the uncommitted batch, which
    the next run redoes. Drops nothing.
    """

    name = "store"
    uses_database = True

    def process(self, doc: Document) -> Document:
        session = self.ctx.session
        now = utcnow()
        fetched_at = doc.fetched_at or now
        if doc.relation == "original":
            session.add(Article(
                id=doc.article_id, title=doc.title, text=doc.body_text, authors=doc.authors,
                published=doc.published, language=doc.language, credits=doc.credits,
                outlet=doc.outlet, canonical_uri=doc.uri, text_hash=doc.text_hash,
                word_count=doc.word_count, signature=to_bytes(doc.signature),
                signature_params=self.config.dedup.signature_params,
                first_seen=fetched_at, updated_at=now,
            ))
        session.add(Provenance(
            article_id=doc.article_id, run_id=self.ctx.run.id if self.ctx.run else None,
            uri=doc.uri, fetched_at=fetched_at, content_sha256=doc.sha256 or doc.text_hash,
            size=doc.size, mtime=doc.mtime, encoding=doc.encoding, title=doc.title,
            similarity=doc.similarity, relation=doc.relation, credits=doc.credits, outlet=doc.outlet,
        ))
        session.flush()
        if doc.relation == "original":
            self.ctx.count("new_articles")
        else:
            self.ctx.count(f"duplicates/{doc.relation}")
        self.ctx.document_done()
        return doc
