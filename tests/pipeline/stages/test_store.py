"""The store stage writes articles and provenance, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.dedup import DedupStage
from pipeline.stages.fingerprint import FingerprintStage
from pipeline.stages.store import StoreStage
from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance
from tests.conftest import make_config

BODY = ("Der Gemeinderat hat am Dienstagabend nach langer Debatte beschlossen, die alte Schule am Marktplatz "
        "zu sanieren und dort ein Bürgerzentrum einzurichten, die Arbeiten beginnen im Frühjahr.")


def test_original_and_exact_copy_are_stored_with_provenance(db_url: str) -> None:
    ctx = RunContext(make_config(db_url, NEWSDEDUP_STORE_BATCH=1))
    ctx.open()
    fingerprint, dedup, store = FingerprintStage(ctx), DedupStage(ctx), StoreStage(ctx)
    dedup.open_spider()
    for uri in ("file:///a.txt", "file:///b.txt"):
        doc = Document(uri=uri, sha256=uri[-5:], title="Schule wird saniert", body=[BODY],
                       authors=["Petra Lang"], credits=["dpa"], language="de", encoding="utf-8")
        store.process_item(dedup.process_item(fingerprint.process_item(doc)))
    summary = ctx.close()
    assert (summary.new_articles, summary.duplicates) == (1, 1)
    db = Database(db_url)
    with db.session() as s:
        (article,) = s.scalars(select(Article)).all()
        assert (article.title, article.text, article.authors, article.credits) == (
            "Schule wird saniert", BODY, ["Petra Lang"], ["dpa"])
        rows = s.scalars(select(Provenance).order_by(Provenance.id)).all()
        assert [(p.uri, p.relation, p.similarity, p.article_id) for p in rows] == [
            ("file:///a.txt", "original", 1.0, article.id), ("file:///b.txt", "exact", 1.0, article.id)]
        assert all(p.run_id == summary.run_id for p in rows)
    db.dispose()
