"""Reading the database: the records ``export``, ``show``, ``search`` and ``stats`` print."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from pipeline.storage import Article, Database, Failure, Provenance, Run

EXPORT_BATCH = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def source_record(p: Provenance) -> dict[str, Any]:
    return {
        "uri": p.uri, "fetched_at": _iso(p.fetched_at), "relation": p.relation,
        "similarity": p.similarity, "title": p.title, "content_sha256": p.content_sha256,
        "credits": list(p.credits or []), "outlet": p.outlet,
        # crawled pages: how they were fetched (null for local files)
        "http_status": p.fetch.status if p.fetch else None,
        "canonical_url": p.fetch.canonical_url if p.fetch else None,
        "found_in": p.fetch.found_in if p.fetch else None,
    }


def article_record(a: Article, sources: list[Provenance]) -> dict[str, Any]:
    """One canonical article as exported: the contract of ``newsdedup export``."""
    return {
        "id": a.id, "title": a.title, "text": a.text, "authors": list(a.authors or []),
        "published": _iso(a.published), "language": a.language,
        "credits": list(a.credits or []), "outlet": a.outlet, "first_seen": _iso(a.first_seen),
        "sources": [source_record(p) for p in sources],
    }


def find_record(session: Session, article_id: str) -> dict[str, Any] | None:
    """One article's record by id or unique id prefix, with its sources; None if not found."""
    article = Database.find_article(session, article_id)
    if article is None:
        return None
    return article_record(article, Database.sources(session, article.id))


def iter_article_records(db: Database) -> Iterator[dict[str, Any]]:
    """Every article with its sources, streamed in batches (memory stays flat)."""
    with db.session() as session:
        last = ""
        while True:
            batch = session.scalars(
                select(Article).where(Article.id > last).order_by(Article.id).limit(EXPORT_BATCH)
            ).all()
            if not batch:
                return
            ids = [a.id for a in batch]
            by_article: dict[str, list[Provenance]] = {i: [] for i in ids}
            for p in session.scalars(
                select(Provenance).where(Provenance.article_id.in_(ids))
                .options(selectinload(Provenance.fetch)).order_by(Provenance.fetched_at, Provenance.id)
            ):
                by_article[p.article_id].append(p)
            for a in batch:
                yield article_record(a, by_article[a.id])
            last = ids[-1]
            session.expunge_all()


def search(session: Session, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles whose title or text contains every word of ``query`` (case-insensitive)."""
    conditions = []
    for word in query.split():
        pattern = f"%{word.lower()}%"
        conditions.append(or_(func.lower(Article.title).like(pattern), func.lower(Article.text).like(pattern)))
    n_sources = (select(func.count(Provenance.id)).where(Provenance.article_id == Article.id)
                 .correlate(Article).scalar_subquery())
    rows = session.execute(
        select(Article, n_sources).where(*conditions).order_by(Article.first_seen, Article.id).limit(limit)
    ).all()
    return [{"id": a.id, "title": a.title, "published": _iso(a.published), "language": a.language,
             "sources": n, "first_seen": _iso(a.first_seen), "snippet": _snippet(a.text, query)}
            for a, n in rows]


def _snippet(text: str, query: str, width: int = 160) -> str:
    low = text.lower()
    positions = [low.find(w.lower()) for w in query.split() if low.find(w.lower()) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    piece = text[start:start + width].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def clusters(session: Session, min_sources: int = 2, limit: int = 50) -> list[dict[str, Any]]:
    """Stories carried by at least ``min_sources`` documents, most sources first."""
    n = func.count(Provenance.id).label("n")
    rows = session.execute(
        select(Article, n).join(Provenance, Provenance.article_id == Article.id)
        .group_by(Article.id).having(n >= min_sources)
        .order_by(n.desc(), Article.first_seen, Article.id).limit(limit)
    ).all()
    out = []
    for article, count in rows:
        relations = dict(session.execute(
            select(Provenance.relation, func.count()).where(Provenance.article_id == article.id)
            .group_by(Provenance.relation)).all())
        out.append({"id": article.id, "title": article.title, "sources": count, "relations": relations,
                    "first_seen": _iso(article.first_seen), "canonical_uri": article.canonical_uri})
    return out


def stats(session: Session) -> dict[str, Any]:
    articles = session.scalar(select(func.count(Article.id))) or 0
    documents = session.scalar(select(func.count(Provenance.id))) or 0
    relations = dict(session.execute(select(Provenance.relation, func.count()).group_by(Provenance.relation)).all())
    runs = session.scalars(select(Run).order_by(Run.id.desc()).limit(10)).all()
    return {
        "articles": articles,
        "documents": documents,
        "relations": relations,
        "failures": session.scalar(select(func.count(Failure.id))) or 0,
        "runs": [{"id": r.id, "kind": r.kind, "status": r.status, "started_at": _iso(r.started_at),
                  "finished_at": _iso(r.finished_at), "documents": r.documents,
                  "new_articles": r.new_articles, "duplicates": r.duplicates,
                  "skipped": r.skipped, "failures": r.failures} for r in runs],
    }
