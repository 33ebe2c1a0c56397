"""The text-ceiling experiment's labels and features (the classifier itself needs scikit-learn)."""

from __future__ import annotations

from benchmarks.text_ceiling import CONTEXT, GROUPS, group, label, page_features
from pipeline.items import Document, LineVerdict

GOLD = ("The council approved the new harbour plan on Monday after three years of consultation with residents. "
        "Construction is to begin next spring.")


def test_a_line_is_article_text_when_most_of_it_is_in_the_gold() -> None:
    lines = ["The council approved the new harbour plan on Monday after three years of consultation.",
             "Read more: ten things to do in the harbour this weekend with the whole family",
             "Construction", "Home"]
    assert label(lines, GOLD) == [1, 0, 1, 0]


def test_reasons_fall_into_groups() -> None:
    assert [group(r) for r in ("body", "outside-article", "meta:date", "recurring", "ad", "after-comments")] == [
        "body", "outside", "meta", "recurring", "lexicon", "cut"]


def test_features_see_the_neighbours() -> None:
    doc = Document(uri="x", language="en", verdicts=[
        LineVerdict("Home", False, "outside-article"),
        LineVerdict(GOLD, True, "body"),
        LineVerdict("3 hours ago", False, "outside-article")])
    x = page_features(doc)
    per_line = 9 + len(GROUPS)
    assert x.shape == (3, per_line * (1 + len(CONTEXT)) + 6)
    prose = 8
    assert x[1, prose] == 1 and x[0, prose] == 0
    assert x[0, per_line * (1 + CONTEXT.index(1)) + prose] == 1  # the next line of "Home" is prose
