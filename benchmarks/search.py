"""Search latency on a large database: newsdedup's full-text search next to a plain scan.

    python -m benchmarks.search [--articles 100000] [--backend sqlite|postgresql|both] [--repeat 5]

Builds a database of N articles (default 100,000; about 2.5 KB of text each) from the
paragraphs of the AEB gold bodies (English) and the German snippets of trafilatura's
evaluation corpus, with one to three provenance rows each. Rows go in through the ORM,
so the full-text index (SQLite's FTS5 triggers, PostgreSQL's generated tsvector and GIN
index) is built as it is in production. Then it runs a fixed set of queries, each
``--repeat`` times, and prints the median and the slowest latency of:

- ``newsdedup``: :func:`pipeline.query.records.search` (ranked, with snippets and source counts,
  20 results), with and without filters;
- ``reference``: a LIKE scan over title and text, the plain way to search a table (and
  what ``newsdedup search`` did before the index), for the queries it can express.

PostgreSQL uses a new database on ``$NEWSDEDUP_TEST_PG``'s server (dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, or_, select, text
from sqlalchemy.engine import make_url

from benchmarks.data import bench_data
from pipeline.query.records import Filters, search
from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance

PG_SERVER = os.environ.get("NEWSDEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 2000


def pools() -> dict[str, list[str]]:
    """Paragraphs of real text by language."""
    gold = json.loads((bench_data() / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    english = [p.strip() for item in gold.values() for p in re.split(r"\n+", item.get("articleBody", ""))
               if len(p.split()) >= 12]
    evaldata = json.loads((bench_data() / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    german = [s.strip() for item in evaldata.values() for s in item.get("with", [])
              if len(s.split()) >= 8 and re.search(r"\b(der|die|und|nicht)\b", s)]
    return {"en": english, "de": german}


def build(db: Database, n: int, rng: random.Random) -> None:
    paragraphs = pools()
    start = datetime(2026, 1, 1)
    with db.session() as s:
        for first in range(0, n, BATCH):
            articles, provenance = [], []
            for i in range(first, min(n, first + BATCH)):
                language = "de" if i % 10 < 3 else "en"
                paras = rng.sample(paragraphs[language], rng.randint(4, 8))
                article_id = f"{i:016x}"
                seen = start + timedelta(minutes=i)
                articles.append({
                    "id": article_id, "title": " ".join(paras[0].split()[:9]), "text": "\n\n".join(paras),
                    "authors": [], "published": seen, "language": language, "credits": [], "outlet": None,
                    "canonical_uri": f"https://outlet{i % 50}.example/{i}", "text_hash": article_id * 4,
                    "word_count": sum(len(p.split()) for p in paras), "signature": b"", "signature_params": "bench",
                    "first_seen": seen, "updated_at": seen})
                for k in range(rng.choice((1, 1, 1, 2, 3))):
                    provenance.append({
                        "article_id": article_id, "uri": f"https://outlet{(i + k) % 50}.example/{i}",
                        "fetched_at": seen + timedelta(minutes=k), "content_sha256": f"{i:032x}{k:032x}",
                        "title": "", "similarity": 1.0, "relation": "original" if k == 0 else "near",
                        "credits": []})
            s.execute(insert(Article), articles)
            s.execute(insert(Provenance), provenance)
            s.commit()
            print(f"\r  {min(n, first + BATCH):,} articles", end="", flush=True)
    print()


def queries(rng: random.Random) -> list[tuple[str, str, Filters, list[str] | None]]:
    """(label, query, filters, the reference's LIKE terms or None) from the texts' own words."""
    words: Counter[str] = Counter()
    for paragraph in pools()["en"]:
        words.update({w.lower() for w in re.findall(r"[A-Za-z]{6,}", paragraph)})
    ranked = [w for w, _ in words.most_common()]
    common, second = ranked[40], ranked[41]  # in a good share of the articles
    rare = [w for w, c in words.items() if c == 3]
    rare1, rare2 = sorted(rare)[len(rare) // 3], sorted(rare)[2 * len(rare) // 3]
    sample = rng.choice(pools()["en"]).split()
    phrase = " ".join(re.sub(r"\W", "", w) for w in sample[3:5])
    german_words: Counter[str] = Counter()
    for paragraph in pools()["de"]:
        german_words.update({w.lower() for w in re.findall(r"[A-Za-zäöüß]{7,}", paragraph)})
    german = german_words.most_common()[30][0]
    none = Filters()
    return [
        ("a common word", common, none, [common]),
        ("a rare word", rare1, none, [rare1]),
        ("two words", f"{common} {second}", none, [common, second]),
        ("a phrase", f'"{phrase}"', none, [phrase.lower()]),
        ("a German word", german, none, [german]),
        ("OR", f"{rare1} OR {rare2}", none, None),
        ("NOT", f"{common} -{second}", none, None),
        ("prefix", common[:5] + "*", none, None),
        ("common + language + min. sources", common, Filters(language="en", min_sources=2), None),
        ("common + first seen in one day", common,
         Filters(seen_from=datetime(2026, 1, 2), seen_to=datetime(2026, 1, 2, 23, 59)), None),
    ]


def like_scan(db: Database, terms: list[str]) -> int:
    with db.session() as s:
        conditions = [or_(func.lower(Article.title).like(f"%{t}%"), func.lower(Article.text).like(f"%{t}%"))
                      for t in terms]
        return len(s.execute(select(Article.id, Article.title).where(*conditions)
                             .order_by(Article.first_seen).limit(20)).all())


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000, found


def run(label: str, url: str, n: int, repeat: int) -> None:
    rng = random.Random(7)
    db = Database(url)
    print(f"\n== {label}: building {n:,} articles")
    t0 = time.perf_counter()
    build(db, n, rng)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"  built in {time.perf_counter() - t0:.0f} s (with the full-text index)")
    print(f"  {'query':<36} {'newsdedup ms (median/max)':>26} {'hits':>5} {'reference ms (median/max)':>26} {'hits':>5}")
    worst = 0.0
    for name, query, filters, terms in queries(random.Random(3)):
        def ours() -> int:
            with db.session() as s:
                return len(search(s, query, filters, 20))
        med, top, hits = timed(ours, repeat)
        worst = max(worst, top)
        ref = "" if terms is None else "{:>12.1f} / {:>9.1f} {:>5}".format(*timed(lambda: like_scan(db, terms), repeat))
        print(f"  {name:<36} {med:>12.1f} / {top:>9.1f} {hits:>5} {ref}")
    print(f"  slowest newsdedup search: {worst:.0f} ms")
    print(f"  index upkeep: a canonical text replaced (UPDATE of title and text) takes {update_ms(db, n):.1f} ms, "
          f"inserting an article {insert_ms(db):.1f} ms (medians, index included)")
    db.dispose()


def update_ms(db: Database, n: int) -> float:
    rng, times = random.Random(5), []
    with db.session() as s:
        for _ in range(20):
            article = s.get(Article, f"{rng.randrange(n):016x}")
            assert article is not None
            t0 = time.perf_counter()
            article.title, article.text = article.title + " (updated)", article.text + "\n\nA new paragraph."
            s.commit()
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def insert_ms(db: Database) -> float:
    times = []
    with db.session() as s:
        template = s.scalars(select(Article).limit(1)).one()
        for i in range(20):
            t0 = time.perf_counter()
            s.execute(insert(Article), [{**{c.key: getattr(template, c.key) for c in Article.__table__.columns
                                            if c.key != "search_vector"}, "id": f"new{i:013d}"}])
            s.commit()
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite (FTS5)", f"sqlite:///{Path(folder) / 'search.db'}", args.articles, args.repeat)
    if args.backend in ("postgresql", "both"):
        name = f"newsdedup_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run("PostgreSQL (tsvector + GIN)", make_url(PG_SERVER).set(database=name).render_as_string(False),
                args.articles, args.repeat)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
