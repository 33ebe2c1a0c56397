"""Near-duplicate detection on a labelled syndication set, next to a plain MinHashLSH reference.

    python -m benchmarks.dedup [--stories N] [--seed S]

The set is built here, in memory and in a temporary folder, from the gold article bodies of
the article-extraction-benchmark (``shared/bench-data/aeb``; never copied into the project):

- each story is republished by made-up outlets, each with its own page furniture (menus,
  share lines, related lists, comments), as pasted-text pages: the ``original``, an ``exact``
  copy, an ``edited`` copy (retitled, requoted, a few words changed), a ``trimmed`` copy (last
  paragraph or two cut), a ``teaser`` (opening paragraphs, "[…]", "Read more") and an
  ``update`` (a new paragraph on top);
- hard negatives, which must stay apart: ``template`` siblings (market reports from one
  template with other names and numbers) and ``follow-up`` stories that quote two paragraphs of
  an earlier story inside a different story.

Everything is ingested by the real pipeline (``newsdedup ingest``) into a new SQLite file.
Printed: pairwise precision, recall and F1 over all document pairs, recall per kind of copy,
hard negatives merged, documents per second, and whether a second shuffled order gives the
same stories; the same figures for the reference, a datasketch
loop (MinHash of 5-word shingles of the raw page, MinHashLSH at 0.5, join the first hit).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from sqlalchemy import select

from benchmarks.data import bench_data
from pipeline.runner import ingest
from pipeline.store.database import Database
from pipeline.store.models import Provenance
from settings.config import load_config

OUTLETS = {
    "daily-courier": (["Home", "World", "Business", "Sport", "Subscribe"], ["Share this article", "Facebook", "Twitter",
                      "Related stories", "Markets rally on rate hopes", "Storm hits the coast", "Comments",
                      "Leave a reply", "Great article, thanks for sharing this with us all."]),
    "metro-times": (["Skip to content", "News", "Opinion", "Culture"], ["Advertisement", "Most read",
                    "City council approves budget", "Local team wins cup", "© Metro Times. All rights reserved."]),
    "the-ledger": (["Menu", "Search", "Latest"], ["Tags: news, world", "Sign up for our newsletter",
                   "You may also like", "Five things to know today", "Privacy policy", "Terms of use"]),
    "wire-review": (["Top stories", "Politics", "Tech"], ["Read more:", "Follow us on Twitter and Facebook",
                    "Recommended", "Inside the new stadium", "Comments are closed."]),
    "northern-post": (["Log in", "Edition", "Local"], ["Print", "Email", "More from Northern Post",
                      "Weather warning for the weekend", "Cookie settings"]),
    "valley-news": (["Today", "Trending", "Video"], ["Share", "Copy link", "Up next", "Traffic delays expected",
                    "Contact us", "About us"]),
}
COPY_KINDS = ["exact", "edited", "trimmed", "teaser", "update"]
NEGATIVE_KINDS = ["template", "follow-up"]
SWAPS = {"said": "stated", "says": "states", "big": "large", "also": "as well", "but": "yet", "about": "around",
         "however": "though", "because": "as", "many": "numerous", "new": "fresh"}


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if len(p.split()) >= 12]


def page(outlet: str, title: str, paras: list[str], rng: random.Random) -> str:
    header, footer = OUTLETS[outlet]
    return "\n".join([*header, title, "By Staff Writer", *paras, *footer]) + "\n"


def edited(paras: list[str], rng: random.Random) -> list[str]:
    out = []
    for p in paras:
        words = p.split()
        for i, w in enumerate(words):
            if w.lower() in SWAPS and rng.random() < 0.5:
                words[i] = SWAPS[w.lower()]
        out.append(" ".join(words).replace("“", "\"").replace("”", "\""))
    return out


def market_report(rng: random.Random, n: int) -> tuple[str, list[str]]:
    index = rng.choice(["FTSE 100", "Dow Jones", "Nikkei 225", "CAC 40", "DAX", "S&P 500"])
    up = rng.random() < 0.5
    move, pct, pts = ("rose" if up else "fell"), f"{rng.uniform(0.1, 2.5):.1f}", f"{rng.randint(3000, 40000):,}"
    a, b = rng.sample(["Vodafone", "Siemens", "Toyota", "Apple", "Nestle", "Shell", "BMW", "Sony", "Unilever"], 2)
    title = f"{index} {move} {pct}% as {a} leads the market"
    paras = [
        f"The {index} {move} {pct} percent on day {n} of the month to close at {pts} points, as investors weighed "
        f"the latest company results and the outlook for interest rates in the coming months.",
        f"Shares of {a} led the gains after the company reported quarterly sales ahead of analysts' forecasts, "
        f"while {b} lost ground after cutting its guidance for the rest of the year.",
        "Trading volumes were below the thirty-day average, and traders said they expected a quiet session "
        "ahead of central bank comments due later in the week.",
    ]
    return title, paras


def build(stories: list[str], others: list[str], rng: random.Random, folder: Path) -> dict[str, tuple[str, str]]:
    """Write the set; return {file name: (story id, kind)}."""
    truth: dict[str, tuple[str, str]] = {}
    outlets = list(OUTLETS)

    def write(outlet: str, name: str, text: str, story: str, kind: str) -> None:
        (folder / outlet).mkdir(exist_ok=True)
        (folder / outlet / name).write_text(text, encoding="utf-8")
        truth[f"{outlet}/{name}"] = (story, kind)

    for n, body in enumerate(stories):
        paras = paragraphs(body)
        title = " ".join(paras[0].split()[:9]).rstrip(",.;:")
        story = f"s{n}"
        chosen = rng.sample(outlets, len(COPY_KINDS) + 1)
        write(chosen[0], f"{story}.txt", page(chosen[0], title, paras, rng), story, "original")
        kinds = {
            "exact": (title, paras),
            "edited": ("Report: " + title.lower(), edited(paras, rng)),
            "trimmed": (title, paras[:-2] if len(paras) > 4 else paras[:-1]),
            "teaser": (title, [*paras[:2], "[…]", "Read more"]),
            "update": (title, ["Update: this story has been updated with new information from officials who spoke "
                               "to reporters on Tuesday afternoon about the latest developments.", *paras]),
        }
        for outlet, (kind, (t, ps)) in zip(chosen[1:], kinds.items()):
            write(outlet, f"{story}-{kind}.txt", page(outlet, t, ps, rng), story, kind)
        if n % 3 == 0 and others:  # a story not in the set that quotes two paragraphs of this one
            other = paragraphs(others.pop())
            quoting = [*other[:2], *paras[1:3], *other[2:]]
            outlet = rng.choice(outlets)
            write(outlet, f"{story}-followup.txt", page(outlet, "Follow-up: " + " ".join(other[0].split()[:8]), quoting, rng),
                  f"{story}-followup", "follow-up")
    for n in range(max(10, len(stories) // 4)):
        title, paras = market_report(rng, n)
        outlet = rng.choice(outlets)
        write(outlet, f"market-{n}.txt", page(outlet, title, paras, rng), f"market-{n}", "template")
    return truth


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of documents (same story vs same article)."""
    both = Counter((truth[d], predicted[d]) for d in truth)
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(truth.values()).values())
    pred_pairs = sum(n * (n - 1) // 2 for n in Counter(predicted[d] for d in truth).values())
    tp = sum(n * (n - 1) // 2 for n in both.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def reference(folder: Path, files: list[str]) -> tuple[dict[str, str], float]:
    """The plain datasketch loop: raw page text, 5-word shingles, MinHashLSH(0.5), first hit joins."""
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    out: dict[str, str] = {}
    for name in files:
        toks = re.findall(r"\w+", (folder / name).read_text(encoding="utf-8").lower())
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(toks[i:i + 5]).encode() for i in range(max(1, len(toks) - 4))])
        hits = lsh.query(m)
        out[name] = out[sorted(hits)[0]] if hits else name
        lsh.insert(name, m)
    return out, len(files) / (time.perf_counter() - start)


def report(label: str, truth: dict[str, tuple[str, str]], predicted: dict[str, str], speed: float) -> dict:
    stories = {d: s for d, (s, _) in truth.items()}
    p, r, f = pairwise(stories, predicted)
    original = {s: d for d, (s, k) in truth.items() if k == "original"}
    per_kind = {}
    for kind in COPY_KINDS:
        docs = [d for d, (s, k) in truth.items() if k == kind]
        per_kind[kind] = sum(predicted[d] == predicted[original[truth[d][0]]] for d in docs) / max(1, len(docs))
    merged: Counter[str] = Counter()
    for d, (s, k) in truth.items():
        if k in NEGATIVE_KINDS:
            merged[k] += any(predicted[d] == predicted[o] for o, (s2, _) in truth.items() if o != d and s2 != s)
    print(f"  {label:<24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  negatives merged: "
          + ", ".join(f"{merged[k]} {k}" for k in NEGATIVE_KINDS) + f"  {speed:7.1f} docs/s")
    print("  " + " " * 24 + "recall by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in per_kind.items()))
    return {"precision": p, "recall": r, "f1": f, "negatives_merged": dict(merged), "recall_by_kind": per_kind}


def run_pipeline(folder: Path, files: list[str], db_path: Path) -> tuple[dict[str, str], float, str]:
    """Ingest ``files`` in this order with the real pipeline; {file: article id}, docs/s, summary."""
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
        predicted.setdefault(f, f"failed:{f}")  # failed documents form stories of their own
    return predicted, speed, summary.line()


def _story_of(doc: str, predicted: dict[str, str]) -> frozenset[str]:
    """A document's story as the set of documents in it (article ids differ between runs)."""
    return frozenset(d for d, a in predicted.items() if a == predicted[doc])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=100, help="stories taken from the AEB gold bodies")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    gold = json.loads((bench_data() / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    bodies = [item["articleBody"] for _, item in sorted(gold.items()) if len(paragraphs(item["articleBody"])) >= 4]
    rng = random.Random(args.seed)
    rng.shuffle(bodies)
    stories, others = bodies[: args.stories], bodies[args.stories:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        truth = build(stories, others, rng, folder)
        files = sorted(truth)
        rng.shuffle(files)
        kinds = Counter(k for _, k in truth.values())
        print(f"{len(truth)} pages, {len(stories)} stories: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        predicted, speed, line = run_pipeline(folder, files, Path(tmp) / "bench.db")
        print(f"newsdedup: {line}")
        ours = report("newsdedup (pipeline)", truth, predicted, speed)
        reshuffled = list(files)
        random.Random(args.seed + 1).shuffle(reshuffled)
        again = run_pipeline(folder, reshuffled, Path(tmp) / "again.db")[0]
        moved = sum(1 for d in files if _story_of(d, predicted) != _story_of(d, again))
        print(f"  same stories in a second shuffled order: {'yes' if moved == 0 else f'no, {moved} documents differ'}")
        ref_pred, ref_speed = reference(folder, files)
        ref = report("reference (datasketch)", truth, ref_pred, ref_speed)
    if args.json:
        Path(args.json).write_text(json.dumps({"newsdedup": ours, "reference": ref}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
