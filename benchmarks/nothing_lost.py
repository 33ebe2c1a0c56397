"""Nothing lost, on real pages no one here wrote: every file ingested is stored or recorded with a
reason, and the summary is what the database holds.

    python -m benchmarks.nothing_lost [--sets dragnet,aeb,trafilatura] [--limit N] [--workers N]

For each public set in ``shared/bench-data`` (Dragnet's training split: English pages with reader
comments; the article-extraction benchmark; trafilatura's evaluation pages, mostly German), a
temporary folder holds every page twice, as its HTML and as the text a reader's select-all-and-copy
gives (:mod:`pipeline.text.render`). Then, side by side on the same folder:

- ``newsdedup``: ``newsdedup ingest`` into a new SQLite file, then ``newsdedup check``;
- ``reference``: ``shared/bench/reference_pipeline.py`` as it is (the forty-line loop), which
  stores a row per file it reads.

Per set it prints the files read; those stored, recorded as failed (by reason; ``internal-error``
means a bug), and neither (lost); whether the summary line equals the database; the invariants
``newsdedup check`` finds false; and the reference's rows per file.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.data import ROOT, bench_data
from pipeline.text.render import render_text

SETS = {"dragnet": "dragnet-train/html", "aeb": "aeb/html", "trafilatura": "trafilatura-eval/html"}
SUMMARY = re.compile(r"(\d+) documents seen: (\d+) new articles, (\d+) duplicates, (\d+) already ingested, "
                     r"(\d+) failed")


def build(folder: Path, pages: list[Path]) -> int:
    """Each page as HTML and as pasted text; returns the number of files."""
    folder.mkdir(parents=True)
    for i, page in enumerate(pages):
        raw = page.read_bytes()
        (folder / f"{i:05d}.html").write_bytes(raw)
        (folder / f"{i:05d}.txt").write_text(render_text(raw.decode("utf-8", "replace")), encoding="utf-8")
    return 2 * len(pages)


def newsdedup(folder: Path, db: Path, workers: int | None) -> dict[str, object]:
    cmd = [sys.executable, "-m", "pipeline.cli", "-q", "ingest", str(folder), "--db", f"sqlite:///{db}",
           "--no-progress"] + (["--workers", str(workers)] if workers is not None else [])
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    said = SUMMARY.search(run.stdout)
    files = {p.absolute().as_uri() for p in folder.iterdir()}
    with sqlite3.connect(db) as conn:
        stored = {u for (u,) in conn.execute("select distinct uri from provenance")}
        failed = dict(conn.execute("select uri, reason from failures"))
        articles = conn.execute("select count(*) from articles").fetchone()[0]
        founded = conn.execute("select count(*) from provenance p join (select min(id) as first from provenance "
                               "group by article_id) f on f.first = p.id").fetchone()[0]
    check = subprocess.run([sys.executable, "-m", "pipeline.cli", "check", "--db", f"sqlite:///{db}", "--no-progress"],
                           capture_output=True, text=True, cwd=ROOT)
    database = (len(stored) + len(failed), founded, len(stored) - founded, len(failed))
    return {
        "exit": run.returncode, "seconds": seconds, "stored": len(files & stored), "failed": Counter(failed.values()),
        "lost": len(files - stored - set(failed)), "articles": articles,
        "summary": tuple(int(said.group(i)) for i in (1, 2, 3, 5)) if said else None, "database": database,
        "check": [ln.split()[1] for ln in check.stdout.splitlines() if ln.startswith("FAIL")],
        "error": run.stderr.strip().splitlines()[-1] if run.returncode and run.stderr.strip() else "",
    }


def reference(folder: Path, db: Path) -> tuple[int, float]:
    """Rows the reference loop stores for the folder, and its time."""
    script = bench_data().parent / "bench" / "reference_pipeline.py"
    start = time.perf_counter()
    subprocess.run([sys.executable, str(script), str(folder), str(db)], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from source").fetchone()[0], seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    ap.add_argument("--limit", type=int, default=0, help="at most N pages per set (0: all)")
    ap.add_argument("--workers", type=int, help="newsdedup's worker processes (default: its settings')")
    args = ap.parse_args()
    for name in args.sets.split(","):
        pages = sorted(p for p in (bench_data() / SETS[name]).rglob("*") if p.is_file())
        pages = pages[: args.limit] if args.limit else pages
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "pages"
            n = build(folder, pages)
            ours = newsdedup(folder, Path(tmp) / "n.db", args.workers)
            rows, ref_seconds = reference(folder, Path(tmp) / "r.db")
        failed = ", ".join(f"{k} {v}" for k, v in sorted(ours["failed"].items())) or "none"  # type: ignore[union-attr]
        summary_ok = ours["summary"] == ours["database"]
        print(f"{name}: {n} files ({len(pages)} pages as HTML and as pasted text)")
        print(f"  newsdedup  exit {ours['exit']}, {ours['seconds']:.0f} s: stored {ours['stored']}, failed "
              f"{sum(ours['failed'].values())} ({failed}), lost {ours['lost']}; "  # type: ignore[union-attr]
              f"{ours['articles']} articles")
        print(f"             summary {ours['summary']} {'=' if summary_ok else '!='} database {ours['database']} "
              "(documents, new, duplicates, failed); check: "
              + (", ".join(ours["check"]) + " false" if ours["check"] else "every invariant holds")  # type: ignore[arg-type]
              + (f"; error: {ours['error']}" if ours["error"] else ""))
        print(f"  reference  {ref_seconds:.0f} s: {rows} rows for {n} files (lost {n - rows})")


if __name__ == "__main__":
    main()
