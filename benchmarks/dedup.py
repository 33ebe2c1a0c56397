"""Near-duplicate detection on a labelled syndication set, next to two MinHash baselines.

    python -m benchmarks.dedup [--stories N] [--seed S] [--json FILE] [--dump DIR] [--misses N]

The set (:mod:`benchmarks.dedup_set`) is built in a temporary folder from real article bodies
(AEB, Dragnet's train split, the German pages of trafilatura's corpus), republished by 40 outlets
whose header and footer lines come from real pages: exact copies, light and medium edits
(trims up to a third, 2-8% of words edited, paragraphs merged and split, datelines, requoting,
retitling), rewrites (a medium edit with paragraphs moved), teasers cut mid-sentence, updates on top or at the bottom, and copies with one
corrected figure; plus hard negatives that must stay apart: stories cast from one template with
other names and numbers, and follow-ups quoting one to three paragraphs of an earlier story.

Printed, in one run, for each system: pairwise precision, recall and F1, recall per kind of
copy, hard negatives merged per kind, documents per second:

- newsdedup: the real pipeline (``newsdedup ingest``) into a new SQLite file;
- naive: datasketch MinHash (128 permutations, 5-word shingles) of the page's lines of 12+ words,
  MinHashLSH at 0.5, a page joins the story of its first hit;
- MinHash at its best threshold: the same, with the LSH threshold that gives the best F1.

Then whether a second shuffled order gives newsdedup the same stories, and whether it beats both
baselines on every kind (recall on copies; fewer merges on negatives).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from sqlalchemy import select

from benchmarks.dedup_set import COPY_KINDS, NEGATIVE_KINDS, Truth, build
from pipeline.runner import ingest
from pipeline.store.database import Database
from pipeline.store.models import Provenance
from settings.config import load_config

NAIVE_THRESHOLD = 0.5
SWEEP = [round(0.1 * i, 1) for i in range(1, 10)]
LINE_WORDS = 12  # the naive baselines read a page's lines of this many words or more


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of documents (same story vs same article)."""
    both = Counter((truth[d], predicted[d]) for d in truth)
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(truth.values()).values())
    pred_pairs = sum(n * (n - 1) // 2 for n in Counter(predicted[d] for d in truth).values())
    tp = sum(n * (n - 1) // 2 for n in both.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def minhash_loop(folder: Path, files: list[str], threshold: float) -> dict[str, str]:
    """The naive loop: lines of 12+ words, 5-word shingles, MinHashLSH, the first hit joins."""
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    out: dict[str, str] = {}
    for name in files:
        text = "\n".join(ln for ln in (folder / name).read_text(encoding="utf-8").split("\n")
                         if len(ln.split()) >= LINE_WORDS)
        toks = re.findall(r"\w+", text.lower())
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(toks[i:i + 5]).encode() for i in range(max(1, len(toks) - 4))])
        hits = lsh.query(m)
        out[name] = out[sorted(hits)[0]] if hits else name
        lsh.insert(name, m)
    return out


def scores(truth: dict[str, Truth], predicted: dict[str, str]) -> dict:
    p, r, f = pairwise({d: t.story for d, t in truth.items()}, predicted)
    original = {t.story: d for d, t in truth.items() if t.kind == "original"}
    recall = {}
    for kind in COPY_KINDS:
        docs = [d for d, t in truth.items() if t.kind == kind]
        recall[kind] = sum(predicted[d] == predicted[original[truth[d].story]] for d in docs) / max(1, len(docs))
    groups = Counter(predicted.values())
    merged = {kind: sum(1 for d, t in truth.items() if t.kind == kind and groups[predicted[d]] > 1)
              for kind in NEGATIVE_KINDS}
    return {"precision": p, "recall": r, "f1": f, "recall_by_kind": recall, "negatives_merged": merged}


def show(label: str, s: dict, speed: float | None = None) -> None:
    rate = f"  {speed:7.1f} docs/s" if speed else ""
    print(f"  {label:<30} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  negatives merged: "
          + ", ".join(f"{n} {k}" for k, n in s["negatives_merged"].items()) + rate)
    print("  " + " " * 30 + " recall: " + ", ".join(f"{k} {v:.2f}" for k, v in s["recall_by_kind"].items()))


def run_pipeline(folder: Path, files: list[str], db_path: Path) -> tuple[dict[str, str], float, str]:
    url = f"sqlite:///{db_path}"
    start = time.perf_counter()
    summary = ingest([str(folder / f) for f in files], load_config({"NEWSDEDUP_DB": url}), progress=False)
    speed = summary.documents / (time.perf_counter() - start)
    db = Database(url)
    with db.session() as s:
        rows = s.execute(select(Provenance.uri, Provenance.article_id)).all()
    db.dispose()
    predicted = {str(Path(uri.removeprefix("file://")).relative_to(folder)): aid for uri, aid in rows}
    for f in files:
        predicted.setdefault(f, f"failed:{f}")  # a failed document is a story of its own
    return predicted, speed, summary.line()


def _story_of(doc: str, predicted: dict[str, str]) -> frozenset[str]:
    return frozenset(d for d, a in predicted.items() if a == predicted[doc])


def beats(ours: dict, other: dict) -> list[str]:
    """The kinds on which ``ours`` does worse than ``other``."""
    worse = [k for k in COPY_KINDS if ours["recall_by_kind"][k] < other["recall_by_kind"][k]]
    return worse + [k for k in NEGATIVE_KINDS if ours["negatives_merged"][k] > other["negatives_merged"][k]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=200, help="stories drawn from the bases (default 200)")
    ap.add_argument("--seed", type=int, default=7, help="the random seed of the set (default 7)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--dump", metavar="DIR", help="keep the pages and truth.json in DIR")
    ap.add_argument("--misses", type=int, default=0, metavar="N", help="list N missed copies and merged negatives")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="newsdedup-bench-"))
    try:
        folder = Path(args.dump) if args.dump else tmp / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        truth = build(folder, args.stories, rng)
        if args.dump:
            (folder / "truth.json").write_text(json.dumps({d: [t.story, t.kind] for d, t in truth.items()}, indent=0))
        files = sorted(truth)
        rng.shuffle(files)
        kinds = Counter(t.kind for t in truth.values())
        print(f"{len(truth)} pages, {args.stories} stories: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        predicted, speed, line = run_pipeline(folder, files, tmp / "bench.db")
        print(f"newsdedup: {line}")
        ours = scores(truth, predicted)
        show("newsdedup (pipeline)", ours, speed)
        reshuffled = list(files)
        random.Random(args.seed + 1).shuffle(reshuffled)
        again = run_pipeline(folder, reshuffled, tmp / "again.db")[0]
        moved = sum(1 for d in files if _story_of(d, predicted) != _story_of(d, again))
        start = time.perf_counter()
        naive = scores(truth, minhash_loop(folder, files, NAIVE_THRESHOLD))
        naive_speed = len(files) / (time.perf_counter() - start)
        show(f"naive: MinHash {NAIVE_THRESHOLD} on lines", naive, naive_speed)
        sweep = {t: scores(truth, minhash_loop(folder, files, t)) for t in SWEEP}
        best_t = max(sweep, key=lambda t: sweep[t]["f1"])
        show(f"MinHash at its best, {best_t}", sweep[best_t])
        print(f"  same stories in a second shuffled order: {'yes' if moved == 0 else f'no, {moved} documents differ'}")
        worse = sorted(set(beats(ours, naive) + beats(ours, sweep[best_t])))
        print("  newsdedup beats both baselines on every kind: " + ("yes" if not worse else "no: " + ", ".join(worse)))
        if args.misses:
            original = {t.story: d for d, t in truth.items() if t.kind == "original"}
            missed = [(t.kind, d) for d, t in sorted(truth.items()) if t.kind in COPY_KINDS
                      and predicted[d] != predicted[original[t.story]]]
            groups = Counter(predicted.values())
            merged = [(t.kind, d) for d, t in sorted(truth.items()) if t.kind in NEGATIVE_KINDS
                      and groups[predicted[d]] > 1]
            for kind, d in (missed + merged)[: args.misses]:
                print(f"    {kind:<10} {d}")
        if args.json:
            Path(args.json).write_text(json.dumps({"newsdedup": ours, "naive": naive, "best_threshold": best_t,
                                                   "minhash_best": sweep[best_t]}, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
