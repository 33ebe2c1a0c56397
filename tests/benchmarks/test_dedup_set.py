"""The dedup benchmark's set: its copies are what their kind says (bench-data needed)."""

from __future__ import annotations

import random
import re

import pytest

from benchmarks import dedup_set
from benchmarks.dedup import pairwise

BASE = dedup_set.Base("Wildfire near Athens", [
    "Firefighters battled a fast-moving wildfire north of Athens on Tuesday as 3,000 residents were told to leave.",
    "The fire broke out in the early afternoon in a pine forest and spread quickly, said the fire service today.",
    "Greece has suffered a series of destructive fires in recent summers, which scientists link to hotter weather.",
    "A spokesman for the ministry said that 17 aircraft were fighting the flames and that no one had been hurt.",
], "en")


def test_a_teaser_is_the_opening_cut_mid_sentence_with_a_mark() -> None:
    for seed in range(20):
        title, paras = dedup_set.teaser(BASE, random.Random(seed))
        assert 1 <= len(paras) <= 2 and title == BASE.title
        assert paras[-1].rstrip().endswith(("…", "...", "[…]", "Read more", "Continue reading"))
        assert " ".join(paras[-1].split()[:5]) in BASE.paragraphs[len(paras) - 1]


def test_a_corrected_copy_differs_in_one_number() -> None:
    for seed in range(20):
        _, paras = dedup_set.corrected(BASE, random.Random(seed))
        before, after = re.findall(r"\d+", " ".join(BASE.paragraphs)), re.findall(r"\d+", " ".join(paras))
        assert sum(a != b for a, b in zip(before, after)) == 1
        assert re.sub(r"\d+", "#", " ".join(paras)) == re.sub(r"\d+", "#", " ".join(BASE.paragraphs))


def test_template_siblings_share_wording_and_differ_in_facts() -> None:
    rng = random.Random(1)
    for make in dedup_set.SIBLINGS:
        a, b = " ".join(make(rng)[1]), " ".join(make(rng)[1])
        frame = re.sub(r"\d[\d.,]*", "#", a).split()
        shared = set(frame) & set(re.sub(r"\d[\d.,]*", "#", b).split())
        assert len(shared) >= 0.6 * len(set(frame))  # one template
        assert set(re.findall(r"\d+", a)) != set(re.findall(r"\d+", b))  # other facts


def test_pairwise_scores_a_small_example() -> None:
    truth = {"a": "1", "b": "1", "c": "2", "d": "2"}
    assert pairwise(truth, {"a": "x", "b": "x", "c": "y", "d": "y"}) == (1.0, 1.0, 1.0)
    p, r, _ = pairwise(truth, {"a": "x", "b": "x", "c": "x", "d": "y"})
    assert (p, r) == (pytest.approx(1 / 3), 0.5)


def test_the_set_is_built_from_bench_data_the_same_for_a_seed(tmp_path) -> None:
    try:
        dedup_set.bench_data()
    except SystemExit:
        pytest.skip("shared/bench-data not found (set NEWSDEDUP_BENCH_DATA)")
    one = dedup_set.build(tmp_path / "a", 4, random.Random(3))
    two = dedup_set.build(tmp_path / "b", 4, random.Random(3))
    assert one == two and {t.kind for t in one.values()} >= {"original", "template"}
    assert all((tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text() for name in one)


def test_a_rewrite_moves_paragraphs_of_a_medium_edit() -> None:
    moved = 0
    for seed in range(20):
        title, paras = dedup_set.rewrite(BASE, random.Random(seed))
        firsts = [" ".join(p.split()[2:6]) for p in paras]
        order = [next((i for i, b in enumerate(BASE.paragraphs) if f in b), -1) for f in firsts]
        known = [i for i in order if i >= 0]
        moved += known != sorted(known)
    assert moved >= 5  # most draws put paragraphs in another order (merges and trims aside)
