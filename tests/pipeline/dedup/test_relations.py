"""Relations of a copy to its story's canonical text, and the numbers check."""

from __future__ import annotations

import pytest

from pipeline.dedup.alignment import Alignment
from pipeline.dedup.relations import facts_agree, numbers, relation
from settings.config import DedupOptions

OPTS = DedupOptions()


def aligned(text_words: int, canonical_words: int, matched: int) -> Alignment:
    return Alignment(text_words, canonical_words, matched, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("alignment,expected", [
    (aligned(540, 500, 490), "update"),     # all of it, and a paragraph more
    (aligned(60, 500, 60), "contained"),    # a teaser
    (aligned(500, 503, 460), "near"),       # an edited copy
    (aligned(380, 500, 340), "contained"),  # an edited, trimmed copy
    (aligned(640, 500, 420), "update"),     # an edited copy with passages more
    (aligned(1500, 500, 450), None),        # a follow-up quoting most of a short story
    (aligned(500, 500, 250), None),         # another story
])
def test_relation(alignment: Alignment, expected: str | None) -> None:
    extra = alignment.text_words - alignment.canonical_words
    assert relation(alignment, extra, 12, OPTS)[0] == expected


def test_numbers_are_compared_without_separators() -> None:
    assert numbers("1,200 jobs, 1.200 Stellen, 3.5% and 2024") == {"1200", "35", "2024"}


def test_template_siblings_state_other_numbers() -> None:
    a = numbers("The DAX rose 1.2 percent to 15,432 points on day 3, after 2 weeks")
    b = numbers("The CAC fell 0.4 percent to 7,118 points on day 9, after 5 weeks")
    assert not facts_agree(a, b, OPTS)
    assert facts_agree(a, a | {"99"}, OPTS)       # an update adds a number
    assert facts_agree({"12"}, {"13"}, OPTS)       # too few numbers to judge
