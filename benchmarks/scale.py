"""Scaling out: docs/s with 1, 2 and 4 workers on one PostgreSQL, and the shared index's cost.

    python -m benchmarks.scale [--pages N] [--index-docs M] [--pg URL] [--redis URL]

Part 1, end to end. Builds N pasted-text pages (default 3,000; the pages of
``benchmarks.ingest``: AEB gold bodies in an outlet's furniture, every fifth an edited copy of
another) and ingests them, each worker a ``newsdedup ingest`` process with one process of its
own (``NEWSDEDUP_WORKERS=1``), given every k-th page:

- ``single machine``: one process on SQLite with the in-memory index (the default);
- ``memory index on PostgreSQL``: one process, batches of 200 per transaction;
- ``shared, k workers``: k processes at once on one PostgreSQL database with the shared index
  (one transaction per document, locks per band), k = 1, 2, 4.

Throughput is documents stored per second between the first run's start and the last run's end,
as the ``runs`` table records them (process start-up is left out). This machine has two cores,
so more than two workers cannot add throughput here; the figures show what the shared index
and the locks cost, and whether workers wait for each other.

Part 2, the index alone. For M signatures (default 3,000) of the same pages: the cost of one
online query-then-insert (what dedup needs per document) in

- ``memory``: datasketch MinHashLSH in this process;
- ``(a) datasketch on Redis``: MinHashLSH with ``storage_config={'type': 'redis', ...}``, an
  explicit basename and pinned parameters, each query then each insert sent at once (a query must
  see the inserts before it, so no insertion session or buffer can hold them back), and, for
  comparison, the same inserts inside ``insertion_session()`` with no queries;
- ``(b) bands in PostgreSQL``: newsdedup's table: lock the document's keys, select the
  candidates, insert the bands, commit; one transaction per document, as a shared worker does.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.ingest import build

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("NEWSDEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = "redis://127.0.0.1:6379/15"


# --- part 1 ------------------------------------------------------------------------
class Databases:
    """Fresh PostgreSQL databases on the server, dropped at the end."""

    def __init__(self, server: str) -> None:
        self.server, self.names = server, []
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT")

    def new(self) -> str:
        name = f"newsdedup_scale_{len(self.names)}_{os.getpid()}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def run_workers(url: str, files: list[Path], workers: int, index: str = "auto") -> tuple[float, int]:
    """Ingest ``files`` with ``workers`` processes at once; return (docs/s, articles)."""
    from pipeline.store.database import Database
    from pipeline.store.models import Article, Run

    Database(url).dispose()  # the schema, before the workers race to make it
    shares = [files[i::workers] for i in range(workers)]
    env = {**os.environ, "NEWSDEDUP_DB": url, "NEWSDEDUP_WORKERS": "1", "NEWSDEDUP_DEDUP_INDEX": index}
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", "--no-progress", *map(str, share)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for share in shares]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"a worker failed:\n{err}")
    db = Database(url)
    with db.session() as s:
        start, end, docs = s.execute(select(func.min(Run.started_at), func.max(Run.finished_at),
                                            func.sum(Run.documents))).one()
        articles = s.scalar(select(func.count()).select_from(Article))
    db.dispose()
    seconds = (_dt(end) - _dt(start)).total_seconds()
    return docs / seconds, articles


def _dt(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


# --- part 2 ------------------------------------------------------------------------
def signatures(files: list[Path], n: int) -> list[tuple[str, object, list[int]]]:
    from pipeline.dedup.bands import band_keys
    from pipeline.dedup.signatures import shingle_ids, signature
    from pipeline.text.normalize import fold, word_shingles, words
    from settings.config import load_config

    opts = load_config().dedup
    out = []
    for path in files[:n]:
        toks = words(fold(path.read_text(encoding="utf-8")))
        m = signature(shingle_ids(word_shingles(toks, opts.shingle_words), opts), opts)
        out.append((path.stem, m, band_keys(m, opts)))
    return out


def index_memory(sigs: list) -> float:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    start = time.perf_counter()
    for key, m, _ in sigs:
        lsh.query(m)
        lsh.insert(key, m)
    return time.perf_counter() - start


def index_redis(sigs: list, url: str, session: bool) -> float:
    import redis
    from datasketch import MinHashLSH

    parsed = redis.connection.parse_url(url)
    client = redis.Redis(**parsed)
    client.flushdb()
    lsh = MinHashLSH(threshold=0.5, num_perm=128, storage_config={
        "type": "redis", "basename": b"newsdedup-bench", "redis": parsed})
    start = time.perf_counter()
    if session:
        with lsh.insertion_session(buffer_size=1000) as s:
            for key, m, _ in sigs:
                s.insert(key, m)
    else:
        for key, m, _ in sigs:
            lsh.query(m)
            lsh.insert(key, m)
    seconds = time.perf_counter() - start
    client.flushdb()
    client.close()
    return seconds


def index_bands(sigs: list, url: str) -> float:
    from pipeline.dedup.bands import lock_key
    from pipeline.dedup.index import _LOCK_KEYS
    from pipeline.store.database import Database
    from pipeline.store.models import Article, ArticleBand

    db = Database(url)
    with db.session() as s:  # the bands' foreign key needs the articles; they are not timed
        s.execute(Article.__table__.insert(), [
            {"id": key[:16], "title": "", "text": "", "authors": [], "credits": [], "canonical_uri": key,
             "text_hash": key, "word_count": 0, "signature": b"", "signature_params": "",
             "first_seen": datetime(2026, 1, 1), "updated_at": datetime(2026, 1, 1)} for key, _, _ in sigs])
        s.commit()
        start = time.perf_counter()
        for key, _, keys in sigs:
            s.execute(_LOCK_KEYS, {"keys": sorted({*keys, lock_key("text", key)})})
            s.scalars(select(ArticleBand.article_id).where(ArticleBand.key.in_(keys)).distinct()).all()
            s.execute(ArticleBand.__table__.insert(), [{"key": k, "article_id": key[:16]} for k in set(keys)])
            s.commit()
        seconds = time.perf_counter() - start
    db.dispose()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--index-docs", type=int, default=3000)
    ap.add_argument("--pg", default=PG, help="PostgreSQL server (a database is made and dropped per run)")
    ap.add_argument("--redis", default=REDIS, help="Redis for design (a); the database is flushed")
    ap.add_argument("--workers", default="1,2,4", help="worker counts for the shared runs")
    args = ap.parse_args()
    dbs = Databases(args.pg)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "pages"
            folder.mkdir()
            build(folder, args.pages, random.Random(5))
            files = sorted(folder.rglob("*.txt"))
            print(f"Part 1: {len(files):,} pages, each worker one process; docs/s, stories found")
            single, articles = run_workers(f"sqlite:///{Path(tmp) / 'single.db'}", files, 1)
            print(f"  single machine (SQLite, memory index)  {single:7.1f} docs/s  {articles} articles")
            speed, articles = run_workers(dbs.new(), files, 1, "memory")
            print(f"  PostgreSQL, memory index, 1 worker     {speed:7.1f} docs/s  {articles} articles")
            for k in map(int, args.workers.split(",")):
                speed, articles = run_workers(dbs.new(), files, k)
                print(f"  PostgreSQL, shared index, {k} worker(s)  {speed:7.1f} docs/s  {articles} articles"
                      f"   {speed / k:6.1f} per worker = {speed / k / single:4.2f}x single machine")

            sigs = signatures(files, args.index_docs)
            print(f"Part 2: the index alone, {len(sigs):,} documents, online query-then-insert; ms/doc, docs/s")
            rows = [("memory (datasketch MinHashLSH)", index_memory(sigs)),
                    ("(a) datasketch on Redis", index_redis(sigs, args.redis, session=False)),
                    ("(a) Redis, insertion_session, no query", index_redis(sigs, args.redis, session=True)),
                    ("(b) bands in PostgreSQL, 1 txn/doc", index_bands(sigs, dbs.new()))]
            for label, seconds in rows:
                print(f"  {label:<40} {1000 * seconds / len(sigs):7.3f} ms  {len(sigs) / seconds:9.0f} docs/s")
    finally:
        dbs.drop()


if __name__ == "__main__":
    main()
