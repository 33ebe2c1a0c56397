"""How far can a line classifier go on pasted text? An experiment, not a pipeline stage.

    pip install -e ".[bench]"        # scikit-learn, for this experiment only
    python -m benchmarks.text_ceiling [--folds 5]

Issue 3 asks the text path to reach trafilatura's F1 on the *HTML* (0.96 on AEB) from the
pasted text alone. This experiment asks whether a better line scorer could get there. It
renders every AEB page as pasted text, runs newsdedup's text path, and describes each line
with 60 generic features: its shape (length, sentence end, share of stop words, capitals,
digits, ellipsis, "3 hours ago"), what the clean stage decided for it on its own (lexicon
category, recurring, metadata, inside the chosen region), the same for its neighbours (four
lines either side), the share of prose around it, and where it sits in the page's prose
(share of prose words above and below). Labels: the line is article text when most of its
6-grams are in the gold text.

A gradient-boosted classifier (scikit-learn) is trained and tested by site (GroupKFold:
no site is in both), so every figure is out-of-sample. Word-weighted precision, recall and F1
are printed for the current text path and for the classifier at several thresholds. The
question is the precision reached at the current recall, since the issue forbids buying
precision with recall.

Then the transfer test: the classifier, trained on all AEB pages (English), filters the lines
the text path keeps on trafilatura's evaluation corpus (mostly German, never seen in training).
Its gold marks 2-4 snippets a page as main text or not: printed is the share of each that
stays kept, without and with the filter.
"""

from __future__ import annotations

import argparse
import math
import re

import numpy as np

from benchmarks.data import aeb_pages, eval_pages
from benchmarks.extraction import page_uri
from pipeline.context import RunContext
from pipeline.errors import DocumentDropped
from pipeline.items import Document
from pipeline.runner import build_stages, run_stages
from pipeline.text.render import render_text
from pipeline.text.stopwords import stopwords
from settings.config import load_config

_TOKEN = re.compile(r"\w+")
_SENTENCE = re.compile(r"[.!?…:;\"'“”»«)]\s*$")
_FULL_STOP = re.compile(r"[.!?]\W*$")
_TEASER = re.compile(r"(?:…|\.\.\.|\[…\])\s*$|\b\d+\s*[hm]\w*\s+ago\b", re.IGNORECASE)
GROUPS = ("body", "outside", "meta", "recurring", "lexicon", "cut")
CONTEXT = (-4, -3, -2, -1, 1, 2, 3, 4)


def label(lines: list[str], gold: str) -> list[int]:
    """1 when most of a line's 6-grams (or the whole of a short line) are in the gold text."""
    g = " ".join(_TOKEN.findall(gold.lower()))
    out = []
    for text in lines:
        w = _TOKEN.findall(text.lower())
        if len(w) < 6:
            out.append(int(bool(w) and " ".join(w) in g))
            continue
        grams = [" ".join(w[i:i + 6]) for i in range(0, len(w) - 5, 3)]
        out.append(int(sum(x in g for x in grams) / len(grams) > 0.5))
    return out


def group(reason: str) -> str:
    if reason in ("body", "title", "title-repeat", "repeat", "link"):
        return "body"
    if reason in ("outside-article", "before-title"):
        return "outside"
    if reason.startswith(("after-", "in-")):
        return "cut"
    if reason.startswith("meta") or reason in ("recurring",):
        return "meta" if reason.startswith("meta") else "recurring"
    return "lexicon"


def line_features(text: str, reason: str, kept: bool, stops: frozenset[str]) -> list[float]:
    toks = _TOKEN.findall(text)
    n = max(1, len(toks))
    stop = sum(t.lower() in stops for t in toks) / n if stops else 0.3
    prose = kept and len(toks) >= 12 and bool(_SENTENCE.search(text)) and stop >= 0.2
    return [math.log1p(len(toks)), bool(_SENTENCE.search(text)), bool(_FULL_STOP.search(text)), stop,
            sum(t[:1].isupper() for t in toks) / n, sum(t.isdigit() for t in toks) / n,
            bool(_TEASER.search(text)), kept, prose, *(group(reason) == g for g in GROUPS)]


def page_features(doc: Document) -> np.ndarray:
    stops = stopwords(doc.language)
    base = np.array([line_features(v.text, v.reason, v.kept, stops) for v in doc.verdicts], dtype=float)
    n = len(base)
    prose, length = base[:, 8], base[:, 0]
    cols = [base]
    for off in CONTEXT:
        shifted = np.zeros_like(base)
        idx = np.arange(n) + off
        ok = (idx >= 0) & (idx < n)
        shifted[ok] = base[idx[ok]]
        cols.append(shifted)
    words = np.expm1(length) * prose
    cum = np.cumsum(words)
    total = max(1.0, cum[-1])

    def window(a: np.ndarray, r: int) -> np.ndarray:
        c = np.concatenate([[0], np.cumsum(a)])
        lo, hi = np.maximum(0, np.arange(n) - r), np.minimum(n, np.arange(n) + r + 1)
        return (c[hi] - c[lo]) / (hi - lo)

    cols.append(np.stack([window(prose, 5), window(prose, 10), window(length, 5), np.arange(n) / max(1, n - 1),
                          (cum - words) / total, (total - cum) / total], 1))
    return np.concatenate(cols, 1)


def collect() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    stages = build_stages(RunContext(load_config({"NEWSDEDUP_DB": "sqlite://"}), offline=True), offline=True)
    xs, ys, sites, weights = [], [], [], []
    for page in aeb_pages():
        try:
            doc = run_stages(stages, Document(uri=page_uri(page, ".txt"), raw=render_text(page.html).encode()))
        except DocumentDropped:
            continue  # too little text left: the page has nothing to label
        texts = [v.text for v in doc.verdicts]
        xs.append(page_features(doc))
        ys += label(texts, page.gold["articleBody"])
        sites += [page_uri(page, "").rsplit("/", 1)[0]] * len(texts)
        weights += [len(_TOKEN.findall(t)) for t in texts]
    return np.concatenate(xs), np.array(ys), np.array(sites), np.array(weights, dtype=float)


def transfer(model: object, threshold: float) -> None:
    """Share of the eval corpus' main-text and boilerplate snippets kept, without/with the filter."""
    stages = build_stages(RunContext(load_config({"NEWSDEDUP_DB": "sqlite://"}), offline=True), offline=True)
    kept: dict[str, list[int]] = {"with": [0, 0, 0], "without": [0, 0, 0]}  # snippets, kept now, kept with
    for page in eval_pages():
        try:
            doc = run_stages(stages, Document(uri=page_uri(page, ".txt"), raw=render_text(page.html).encode()))
        except DocumentDropped:
            continue
        scores = model.predict_proba(page_features(doc))[:, 1]  # type: ignore[attr-defined]
        lines = [" ".join(_TOKEN.findall(v.text.lower())) for v in doc.verdicts]
        for kind in kept:
            for snippet in page.gold[kind]:
                key = " ".join(_TOKEN.findall(snippet.lower()))
                at = next((i for i, line in enumerate(lines) if key and key in line), None)
                if at is None:
                    continue
                kept[kind][0] += 1
                kept[kind][1] += doc.verdicts[at].kept
                kept[kind][2] += doc.verdicts[at].kept and scores[at] > threshold
    print(f"\nTransfer: trained on all AEB, filtering trafilatura's evaluation corpus at p > {threshold}")
    for kind, label_ in (("with", "main-text snippets kept"), ("without", "boilerplate snippets kept")):
        n, now, filtered = kept[kind]
        print(f"  {label_:<28} {now / n:6.3f} now, {filtered / n:6.3f} with the filter ({n} snippets)")


def prf(keep: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    tp, fp, fn = (w * (keep & (y == 1))).sum(), (w * (keep & (y == 0))).sum(), (w * (~keep & (y == 1))).sum()
    p, r = tp / max(1e-9, tp + fp), tp / max(1e-9, tp + fn)
    return 2 * p * r / max(1e-9, p + r), p, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import GroupKFold
    except ImportError:
        raise SystemExit('this experiment needs scikit-learn: pip install -e ".[bench]"') from None
    x, y, sites, w = collect()
    kept = x[:, 7] == 1
    print(f"AEB pasted text: {len(set(sites))} sites, {len(y):,} lines, {int(w.sum()):,} words")
    print(f"  {'system':<36} {'F1':>6} {'P':>6} {'R':>6}   (word-weighted line labels)")
    print("  {:<36} {:6.3f} {:6.3f} {:6.3f}".format("newsdedup text path (kept lines)", *prf(kept, y, w)))
    scores = np.zeros(len(y))
    for train, test in GroupKFold(args.folds).split(x, groups=sites):
        model = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=15, random_state=0)
        model.fit(x[train], y[train], sample_weight=np.log1p(w[train]))
        scores[test] = model.predict_proba(x[test])[:, 1]
    recall_now = prf(kept, y, w)[2]
    best: tuple[float, float, float, float] | None = None
    for threshold in (0.05, 0.1, 0.15, 0.2, 0.3, 0.5):
        f1, p, r = prf(scores > threshold, y, w)
        print(f"  {'classifier, out-of-fold, p > ' + str(threshold):<36} {f1:6.3f} {p:6.3f} {r:6.3f}")
        if r >= recall_now - 0.01 and (best is None or f1 > best[0]):
            best = (f1, p, r, threshold)
    if best is not None:
        f1, p, r, t = best
        print(f"\n  best within 1 point of the current recall: F1 {f1:.3f} (P {p:.3f}, R {r:.3f}) at p > {t}")
        model = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=15, random_state=0)
        transfer(model.fit(x, y, sample_weight=np.log1p(w)), t)


if __name__ == "__main__":
    main()
