"""Ingest throughput and peak memory: newsdedup next to the reference loop, in one run.

    python -m benchmarks.ingest [--pages N]

Builds N pasted-text pages (default 10,000, about 70 MB) from the AEB gold bodies, each
wrapped in the page furniture of one of the outlets of ``benchmarks.dedup_set``, with every
fifth page a lightly edited copy of another, in a temporary folder. Then, each in its own child process (so that peak memory is its own):

- ``newsdedup``: ``newsdedup ingest`` into a new SQLite file (all cleaning, verification and
  provenance included);
- ``reference``: the loop the issue defines: per file, read it, keep lines of 12+ words,
  datasketch MinHash (128 permutations, default hash, 5-word shingles), MinHashLSH at 0.5, and
  sqlite3 inserts.

Prints documents per second and peak memory for both: the proportional set size (PSS) of the
process and its worker processes, summed, sampled every 0.1 s. Then the cost of "one document,
one unit" (issue 13): the time a document's SAVEPOINT and RELEASE add to writing its rows, on a
new SQLite file and, when one answers at ``NEWSDEDUP_TEST_PG``, on PostgreSQL, next to
newsdedup's time per document.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.data import bench_data
from benchmarks.dedup_set import LIGHT_EDIT_RATE, edit_words, outlets, page, paragraphs
from settings.config import load_config


def build(folder: Path, n: int, rng: random.Random) -> int:
    gold = json.loads((bench_data() / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    bodies = [paragraphs(i["articleBody"]) for _, i in sorted(gold.items())]
    bodies = [b for b in bodies if len(b) >= 3]
    shops = outlets(rng)
    total = 0
    for i in range(n):
        paras = list(rng.choice(bodies))
        if i % 5 == 4:
            paras = edit_words(paras, rng.uniform(*LIGHT_EDIT_RATE), "en", rng)
        else:  # a new story: the paragraphs of one body, shuffled, with a marker of its own
            rng.shuffle(paras)
            paras = [f"Story {i}: " + paras[0], *paras[1:]]
        shop = rng.randrange(len(shops))
        text = page(shops[shop], " ".join(paras[0].split()[:9]), paras, rng)
        (folder / f"outlet{shop:02d}").mkdir(exist_ok=True)
        (folder / f"outlet{shop:02d}" / f"{i:06d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def reference(folder: str, db: str) -> None:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    conn = sqlite3.connect(db)
    conn.execute("create table docs (path text, story text)")
    for path in sorted(Path(folder).rglob("*.txt")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.split()) >= 12]
        toks = re.findall(r"\w+", " ".join(lines).lower())
        m = MinHash(num_perm=128)
        for i in range(max(1, len(toks) - 4)):
            m.update(" ".join(toks[i:i + 5]).encode("utf-8"))
        hits = lsh.query(m)
        story = sorted(hits)[0] if hits else str(path)
        lsh.insert(str(path), m)
        conn.execute("insert into docs values (?, ?)", (str(path), story))
    conn.commit()


def _pss_mb(pid: int) -> float:
    """Proportional set size (PSS) of a process and all its descendants, from /proc (Linux):
    pages that forked workers share with their parent are counted once, not once per process."""
    total = 0.0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            total += next((int(ln.split()[1]) for ln in fh if ln.startswith("Pss:")), 0) / 1024
        for task in Path(f"/proc/{pid}/task").iterdir():
            for kid in (task / "children").read_text().split():
                total += _pss_mb(int(kid))
    except (OSError, ValueError):
        pass  # the process ended meanwhile
    return total


class PeakMemory:
    """Samples the memory of this process and its workers, summed (PSS): ``ru_maxrss`` alone
    would miss the worker processes of a parallel run."""

    def __init__(self, every: float = 0.1) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak = max(self.peak, _pss_mb(os.getpid()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return max(self.peak, own)


def child(kind: str, folder: str, db: str) -> None:
    memory = PeakMemory()
    start = time.perf_counter()
    if kind == "reference":
        reference(folder, db)
    else:
        from pipeline.runner import ingest
        from settings.config import load_config

        ingest([folder], load_config({"NEWSDEDUP_DB": f"sqlite:///{db}"}), progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": memory.stop()}))


def measure(kind: str, folder: Path, db: Path, workers: int | None) -> dict:
    env = dict(os.environ, **({"NEWSDEDUP_WORKERS": str(workers)} if workers is not None else {}))
    out = subprocess.run([sys.executable, "-m", "benchmarks.ingest", "--child", kind, str(folder), str(db)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def unit_cost(url: str, n: int = 4000, batch: int = 200) -> float:
    """Seconds a document's SAVEPOINT + RELEASE add to writing a row for it (batches committed as
    ingest does): the same rows written with and without one, the difference per document."""
    from pipeline.store.database import Database
    from pipeline.store.models import Failure

    db = Database(url)
    try:
        times = []
        for unit in (False, True):
            with db.session(writer=True) as session:
                start = time.perf_counter()
                for i in range(n):
                    savepoint = session.begin_nested() if unit else None
                    session.add(Failure(run_id=None, uri=f"file:///{unit}/{i}", stage="bench", reason="x", message=""))
                    session.flush()
                    if savepoint is not None:
                        savepoint.commit()
                    if i % batch == batch - 1:
                        session.commit()
                session.commit()
                times.append(time.perf_counter() - start)
    finally:
        db.dispose()
    return (times[1] - times[0]) / n


def _postgres_url() -> str | None:
    from sqlalchemy import create_engine, text

    url = os.environ.get("NEWSDEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception:  # noqa: BLE001 - no server: that line is left out
        return None


def _unit_cost_on_postgres(url: str) -> float:
    """:func:`unit_cost` in a database of its own, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"newsdedup_bench_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return unit_cost(make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--workers", type=int, help="newsdedup's worker processes (default: the settings', "
                    "NEWSDEDUP_WORKERS, 0 = one per core)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "FOLDER", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        size = build(folder, args.pages, random.Random(5))
        workers = load_config({"NEWSDEDUP_WORKERS": args.workers}).workers
        print(f"{args.pages:,} pages, {size / 1e6:.0f} MB; newsdedup with {workers} worker process(es)")
        speed = {}
        for kind in ("reference", "newsdedup"):
            r = measure(kind, folder, Path(tmp) / f"{kind}.db", args.workers)
            speed[kind] = args.pages / r["seconds"]
            print(f"  {kind:<10} {speed[kind]:8.1f} docs/s   peak memory {r['peak_mb']:7.0f} MB")
        print(f"  newsdedup / reference: {speed['newsdedup'] / speed['reference']:.2f}x")
        per_doc = 1 / speed["newsdedup"]
        costs = {"SQLite": unit_cost(f"sqlite:///{Path(tmp) / 'units.db'}")}
        pg = _postgres_url()
        if pg is not None:
            costs["PostgreSQL"] = _unit_cost_on_postgres(pg)
        for where, cost in costs.items():
            print(f"  one document, one unit ({where}): SAVEPOINT + RELEASE add {cost * 1e6:.0f} µs a document, "
                  f"{cost / per_doc:.1%} of newsdedup's {per_doc * 1e3:.1f} ms a document")


if __name__ == "__main__":
    main()
