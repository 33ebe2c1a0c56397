"""Start-up cost of the dedup index with many stored articles, next to datasketch's floor.

    python -m benchmarks.startup [--articles N]

Fills a new SQLite file with N synthetic canonical articles (random word texts, real
signatures), then times what a run does before its first document: the dedup stage's
``load_index`` (signatures and opening keys read from the database, MinHashLSH built). The reference is the floor: inserting the same N signatures, already in memory,
into a datasketch MinHashLSH. Peak memory (RSS) is printed too.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import tempfile
import time
from pathlib import Path

from datasketch import MinHashLSH

from pipeline.context import RunContext
from pipeline.dedup.relations import opening_keys
from pipeline.dedup.signatures import shingle_ids, signature, to_bytes
from pipeline.stages.dedup import DedupStage
from pipeline.store.database import Database
from pipeline.store.models import Article, ArticleOpening, utcnow
from pipeline.text.normalize import shingles
from settings.config import load_config

VOCAB = [f"w{i}" for i in range(20000)]


def fill(url: str, n: int, rng: random.Random) -> list:
    config = load_config({"NEWSDEDUP_DB": url})
    db = Database(url)
    sigs = []
    rows, openings = [], []
    now = utcnow()
    for i in range(n):
        text = "\n\n".join(" ".join(rng.choices(VOCAB, k=60)) + "." for _ in range(6))
        sig = signature(shingle_ids(shingles(text, config.dedup.shingle_words), config.dedup), config.dedup)
        sigs.append(sig)
        rows.append({"id": f"{i:016x}", "title": f"t{i}", "text": text, "authors": [], "credits": [],
                     "canonical_uri": f"file:///x/{i}", "text_hash": hashlib.sha256(text.encode()).hexdigest(),
                     "word_count": 360, "signature": to_bytes(sig),
                     "signature_params": config.dedup.signature_params, "first_seen": now, "updated_at": now})
        openings += [{"article_id": f"{i:016x}", "key": k} for k in opening_keys(text.split("\n\n"), config.dedup)]
        if len(rows) == 5000 or i == n - 1:
            with db.engine.begin() as conn:
                conn.execute(Article.__table__.insert(), rows)
                conn.execute(ArticleOpening.__table__.insert(), openings)
            rows, openings = [], []
    db.dispose()
    return sigs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.db'}"
        t0 = time.perf_counter()
        sigs = fill(url, args.articles, random.Random(3))
        print(f"filled {args.articles:,} articles in {time.perf_counter() - t0:.0f} s")
        ctx = RunContext(load_config({"NEWSDEDUP_DB": url}))
        start = time.perf_counter()
        DedupStage(ctx).load_index()
        ours = time.perf_counter() - start
        ctx.close()
        start = time.perf_counter()
        lsh = MinHashLSH(threshold=0.5, num_perm=128)
        with lsh.insertion_session() as session:
            for i, sig in enumerate(sigs):
                session.insert(i, sig)
        floor = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"newsdedup load_index: {ours:6.1f} s   datasketch insert floor: {floor:6.1f} s   "
          f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
