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


OTHER = ("Die Feuerwehr war am Sonntag mit Hunderten Einsatzkräften unterwegs, um Keller auszupumpen und "
         "Straßen zu sichern, nachdem der Fluss über die Ufer getreten war, teilte das Landratsamt mit.")


def test_a_published_time_keeps_its_zone_on_either_database(db_url: str) -> None:
    """08:15 at +02:00 is stored as 08:15 with its zone and read back so (PostgreSQL would turn an
    aware time into UTC in a column without zone, SQLite drop the zone); a time without zone
    stays as it was."""
    from datetime import datetime, timedelta, timezone

    from pipeline.query.api import open_db

    ctx = RunContext(make_config(db_url, NEWSDEDUP_STORE_BATCH=1))
    ctx.open()
    fingerprint, dedup, store = FingerprintStage(ctx), DedupStage(ctx), StoreStage(ctx)
    dedup.open_spider()
    zoned = datetime(2024, 5, 1, 8, 15, tzinfo=timezone(timedelta(hours=2)))
    for uri, published, body in (("file:///a.html", zoned, BODY),
                                 ("file:///b.txt", datetime(2024, 5, 2, 14, 5), OTHER)):
        doc = Document(uri=uri, sha256=uri[-6:], title="Schule wird saniert", body=[body], published=published,
                       language="de", encoding="utf-8")
        store.process_item(dedup.process_item(fingerprint.process_item(doc)))
    ctx.close()
    db = Database(db_url)
    with db.session() as s:
        stored = sorted((a.published, a.published_offset) for a in s.scalars(select(Article)))
    db.dispose()
    assert stored == [(datetime(2024, 5, 1, 8, 15), 120), (datetime(2024, 5, 2, 14, 5), None)]
    news = open_db(db_url)
    try:
        published = sorted((r.published for r in news.articles()), key=lambda d: d.replace(tzinfo=None))
    finally:
        news.close()
    assert published == [zoned, datetime(2024, 5, 2, 14, 5)]
    assert published[0].isoformat() == "2024-05-01T08:15:00+02:00"
