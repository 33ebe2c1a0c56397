"""Relations of a copy to its story's canonical text, and the numbers check."""

from __future__ import annotations

import pytest

from pipeline.dedup.relations import Overlap, facts_agree, numbers, relation
from settings.config import DedupOptions

OPTS = DedupOptions()


@pytest.mark.parametrize("overlap,extra,expected", [
    (Overlap(0.9, 0.96, 0.96), 40, "update"),       # all of it, and a paragraph more
    (Overlap(0.3, 0.99, 0.3), -200, "contained"),  # a teaser
    (Overlap(0.85, 0.9, 0.9), 3, "near"),          # an edited copy
    (Overlap(0.6, 0.85, 0.7), -30, "contained"),   # a looser excerpt
    (Overlap(0.4, 0.5, 0.4), 10, None),            # another story
])
def test_relation(overlap: Overlap, extra: int, expected: str | None) -> None:
    assert relation(overlap, extra, 12, OPTS)[0] == expected


def test_numbers_are_compared_without_separators() -> None:
    assert numbers("1,200 jobs, 1.200 Stellen, 3.5% and 2024") == {"1200", "35", "2024"}


def test_template_siblings_state_other_numbers() -> None:
    a = numbers("The DAX rose 1.2 percent to 15,432 points on day 3, after 2 weeks")
    b = numbers("The CAC fell 0.4 percent to 7,118 points on day 9, after 5 weeks")
    assert not facts_agree(a, b, OPTS)
    assert facts_agree(a, a | {"99"}, OPTS)       # an update adds a number
    assert facts_agree({"12"}, {"13"}, OPTS)       # too few numbers to judge
