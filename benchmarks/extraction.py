"""Extraction quality and speed: newsdedup next to trafilatura, in one run.

    python -m benchmarks.extraction [--corpus aeb|eval|dragnet|all] [--limit N] [--workers N]

Corpora (read from ``shared/bench-data``, never copied; Dragnet's test split is held back and
never read):

1. article-extraction-benchmark (AEB, 181 English pages): F1/P/R with its 4-gram scorer.
2. trafilatura's evaluation corpus (990 pages, 668 German): with/without snippets, all and German;
   and, on the 141 pages whose gold lists snippets of reader comments, the share of those
   snippets the output keeps and the share of those pages that keep none (no rule here was read
   off these pages: an out-of-sample comment measure, mostly German).
3. Dragnet's training split (946 English pages, 275 with reader comments): main-text F1 (the
   gold starts with the headline: title and body are scored) with AEB's 4-gram scorer, and the
   comment leak: on the pages with comments, the share of the comments' 4-grams (not also in
   the main text) that the output keeps, and the share of those pages that keep under 5%.
4. Pasted text: each page rendered as a browser's select-all-copy gives it (``pipeline.text.render``),
   cleaned by newsdedup's text path, scored against the same gold as trafilatura on the HTML.

Systems, all on the same pages in the same run:

- ``trafilatura (HTML)``: ``trafilatura.extract`` with the corpus' baseline options;
- ``trafilatura (pasted text)``: the rendered text, one ``<p>`` per line, through trafilatura;
- ``newsdedup (HTML)``: the HTML path (trafilatura, then newsdedup's post-cleaning);
- ``newsdedup (pasted text)``: the text path, no DOM.

newsdedup's output is scored as each corpus defines main text: on AEB, the stored body (what
``export`` calls ``text``), since the gold ``articleBody`` has no headline; on trafilatura's
corpus, the title and the body, since its gold counts a headline shown with the article as main
text (and trafilatura's own output includes it).
Throughput is documents per second of CPU time per process, per system, once warm: each process
runs every system once on a small page of its own before any page is timed, so that loading
models (newsdedup's language identifier) and compiling patterns are not charged to the first
pages (``python -m benchmarks.startup`` measures a run's start).
"""

from __future__ import annotations

import argparse
import hashlib
import html as htmlmod
import json
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura

from benchmarks.data import Page, aeb_pages, bench_data, dragnet_pages, eval_pages, load_module
from pipeline.context import RunContext
from pipeline.errors import DocumentDropped
from pipeline.items import Document
from pipeline.runner import build_stages, run_stages
from pipeline.stages.base import Stage
from pipeline.text.render import render_text
from settings.config import load_config

SYSTEMS = ["trafilatura (HTML)", "trafilatura (pasted text)", "newsdedup (HTML)", "newsdedup (pasted text)"]
_stages: dict[str, list[Stage]] = {}  # newsdedup's stages, one set per system
_systems: list[str] = list(SYSTEMS)
TITLE_SEP = "\x00"


def _init() -> None:
    """Fresh stages for each of newsdedup's systems: the recurring-lines stage of one must not
    learn from the other's pages (the HTML and the pasted text of one page)."""
    config = load_config({"NEWSDEDUP_DB": "sqlite://"})
    for system in ("newsdedup (HTML)", "newsdedup (pasted text)"):
        _stages[system] = build_stages(RunContext(config, kind="clean", offline=True), offline=True)


def newsdedup_text(content: str, uri: str, system: str) -> str:
    """What newsdedup stores for a page: the title if the page shows it, a NUL, the body."""
    doc = Document(uri=uri, raw=content.encode("utf-8"))
    try:
        doc = run_stages(_stages[system], doc)
    except DocumentDropped:
        return ""
    shown = any(v.reason in ("title", "title-repeat") for v in doc.verdicts)  # a line of the page
    return (doc.title if shown else "") + TITLE_SEP + doc.body_text


def as_scored(system: str, text: str, with_title: bool) -> str:
    if not system.startswith("newsdedup"):
        return text
    title, _, body = text.partition(TITLE_SEP)
    return f"{title}\n\n{body}".strip() if with_title else body


def page_uri(page: Page, suffix: str) -> str:
    """A file URI in a folder named after the page's site, so that the recurring-lines stage
    learns from pages of the same site only, as it would for a user's files."""
    host = urlsplit(page.url).hostname or hashlib.sha1(page.key.encode()).hexdigest()[:12]
    return f"file:///bench/{host}/{hashlib.sha1(page.key.encode()).hexdigest()[:12]}{suffix}"


def _timed(fn: Callable[[], str | None]) -> tuple[str, float]:
    start = time.process_time()
    out = fn()
    return out or "", time.process_time() - start


def run_page(page: Page) -> tuple[str, dict[str, tuple[str, float]]]:
    pasted = render_text(page.html)
    wrapped = "<html><body>" + "".join(f"<p>{htmlmod.escape(ln)}</p>" for ln in pasted.splitlines()
                                       if ln.strip()) + "</body></html>"
    runs = {
        "trafilatura (HTML)": lambda: trafilatura.extract(
            page.html, url=page.url or None, fast=False, include_comments=False, include_tables=True,
            include_formatting=False),
        "trafilatura (pasted text)": lambda: trafilatura.extract(
            wrapped, fast=False, include_comments=False, include_tables=True),
        "newsdedup (HTML)": lambda: newsdedup_text(page.html, page_uri(page, ".html"), "newsdedup (HTML)"),
        "newsdedup (pasted text)": lambda: newsdedup_text(pasted, page_uri(page, ".txt"), "newsdedup (pasted text)"),
    }
    return page.key, {system: _timed(run) for system, run in runs.items() if system in _systems}


def run_site(pages: list[Page]) -> list[tuple[str, dict[str, tuple[str, float]]]]:
    """One site's pages in a fixed order, on fresh stages: the recurring-lines stage then
    learns the same thing in every run, whichever worker gets the site."""
    _init()
    return [run_page(page) for page in pages]


_WARM_UP = Page(key="warm-up", url="https://warm-up.invalid/story", html=(
    "<html><head><title>Warm-up</title></head><body><h1>Warm-up</h1><article>"
    + "<p>Every system reads this page once in each process before any page is timed, so that the "
      "cost of loading models and compiling patterns is not charged to the first pages.</p>" * 3
    + "</article></body></html>"))


def _warm_up() -> None:
    """Run every system once, on stages thrown away after (they must not learn from this page)."""
    _init()
    run_page(_WARM_UP)


def run_corpus(pages: list[Page], workers: int) -> tuple[dict[str, dict[str, str]], dict[str, float]]:
    outputs: dict[str, dict[str, str]] = defaultdict(dict)
    seconds: dict[str, float] = defaultdict(float)
    sites: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        sites[page_uri(page, "").rsplit("/", 1)[0]].append(page)
    with Pool(workers, initializer=_warm_up) as pool:
        for results in pool.imap_unordered(run_site, sorted(sites.values(), key=len, reverse=True)):
            for key, per_system in results:
                for system, (text, secs) in per_system.items():
                    outputs[system][key] = text
                    seconds[system] += secs
    return outputs, seconds


LEAK_OK = 0.05  # a page whose output keeps less than this share of its comments counts as free of them


def comment_leak(scorer: Any, text: str, comments: str, output: str) -> float:
    """The share of a page's comment 4-grams (those not also in its main text) that the output
    keeps, as Dragnet's split README suggests; the output's title and body both count."""
    own = set(scorer.shingles(comments)) - set(scorer.shingles(text))
    if not own:
        return 0.0
    return len(own & set(scorer.shingles(output.replace(TITLE_SEP, "\n")))) / len(own)


def snippets_kept(snippets: list[str], output: str) -> tuple[int, int]:
    """How many of a page's comment snippets the output holds (white space folded), of how many."""
    text = " ".join(output.replace(TITLE_SEP, "\n").split())
    wanted = [" ".join(c.split()) for c in snippets if c.strip()]
    return sum(c in text for c in wanted), len(wanted)


def report(title: str, rows: list[tuple[str, dict[str, Any]]], docs: int, seconds: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  {'system':<28} {'F1':>6} {'P':>6} {'R':>6}   docs/s (1 core)")
    for system, score in rows:
        speed = docs / seconds[system] if seconds.get(system) else float("nan")
        print(f"  {system:<28} {score['f1']:6.3f} {score['precision']:6.3f} {score['recall']:6.3f}   {speed:8.1f}")


def dump(folder: str | None, corpus: str, outputs: dict[str, dict[str, str]]) -> None:
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{corpus}.json").write_text(json.dumps(outputs, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=["aeb", "eval", "dragnet", "all"], default="all")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages of each corpus (for a quick look)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dump", metavar="DIR", help="write each system's outputs as JSON here, for analysis")
    ap.add_argument("--systems", default=",".join(SYSTEMS),
                    help="comma-separated subset of: " + ", ".join(SYSTEMS))
    args = ap.parse_args()
    _systems[:] = [s.strip() for s in args.systems.split(",") if s.strip() in SYSTEMS]
    base = bench_data()
    print(f"bench-data: {base}; trafilatura {trafilatura.__version__}")

    if args.corpus in ("aeb", "all"):
        scorer = load_module(base / "aeb" / "score_aeb.py")
        pages = aeb_pages()[: args.limit or None]
        outputs, seconds = run_corpus(pages, args.workers)
        dump(args.dump, "aeb", outputs)
        gold = {p.key: p.gold for p in pages}
        rows = [(s, scorer.score(gold, {k: {"articleBody": as_scored(s, v, False)} for k, v in outputs[s].items()}))
                for s in _systems]
        report(f"1. article-extraction-benchmark: {len(pages)} pages (published trafilatura 0.958)",
               rows, len(pages), seconds)

    if args.corpus in ("eval", "all"):
        scorer = load_module(base / "trafilatura-eval" / "score_trafilatura_eval.py")
        pages = eval_pages()[: args.limit or None]
        outputs, seconds = run_corpus(pages, args.workers)
        dump(args.dump, "eval", outputs)
        for label, subset in (("all", pages), ("German", [p for p in pages if p.german])):
            rows = [(s, scorer.aggregate([scorer.counts(p.gold, as_scored(s, outputs[s].get(p.key, ""), True))
                                          for p in subset])) for s in _systems]
            report(f"2. trafilatura evaluation corpus, {label}: {len(subset)} pages (trafilatura 2.3.1: 0.926)",
                   rows, len(pages), seconds)
        with_comments = [p for p in pages if any(c.strip() for c in p.gold.get("comments", []))]
        print(f"  {'system':<28} {'comment snippets kept':>21}   pages keeping none   (of {len(with_comments)} "
              "pages with comments)")
        for system in _systems:
            kept = [snippets_kept(p.gold["comments"], outputs[system].get(p.key, "")) for p in with_comments]
            snippets = sum(n for _, n in kept)
            print(f"  {system:<28} {sum(k for k, _ in kept) / max(1, snippets):21.1%}   "
                  f"{sum(k == 0 for k, _ in kept) / max(1, len(kept)):6.1%}")
    if args.corpus in ("dragnet", "all"):
        scorer = load_module(base / "aeb" / "score_aeb.py")
        pages = dragnet_pages()[: args.limit or None]
        outputs, seconds = run_corpus(pages, args.workers)
        dump(args.dump, "dragnet", outputs)
        gold = {p.key: {"articleBody": p.gold["text"]} for p in pages}
        rows = [(s, scorer.score(gold, {k: {"articleBody": as_scored(s, v, True)} for k, v in outputs[s].items()}))
                for s in _systems]
        with_comments = [p for p in pages if p.gold.get("comments", "").strip()]
        report(f"3. Dragnet, training split: {len(pages)} pages, {len(with_comments)} with reader comments "
               "(main text with its headline; comment leak below)", rows, len(pages), seconds)
        print(f"  {'system':<28} {'comment leak':>12}   pages under 5% leak")
        for system in _systems:
            leaks = [comment_leak(scorer, p.gold["text"], p.gold["comments"], outputs[system].get(p.key, ""))
                     for p in with_comments]
            mean = sum(leaks) / len(leaks) if leaks else float("nan")
            under = sum(x < LEAK_OK for x in leaks) / len(leaks) if leaks else float("nan")
            print(f"  {system:<28} {mean:12.1%}   {under:6.1%}")
    print("\n4. Pasted text = the rows 'newsdedup (pasted text)' above, against 'trafilatura (HTML)'.")


if __name__ == "__main__":
    main()
