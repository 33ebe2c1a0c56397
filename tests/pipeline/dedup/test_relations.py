"""Relations of a copy to its story's canonical text, and the numbers check."""

from __future__ import annotations

import pytest

from pipeline.dedup.alignment import Alignment
from pipeline.dedup.relations import relation
from settings.config import DedupOptions

OPTS = DedupOptions()


def aligned(text_words: int, canonical_words: int, matched: int, canonical_start: int = 0,
            text_lead: float = 200) -> Alignment:
    """All words prose: what is not matched counts in full. ``text_lead``: the text's words
    before the match (by default a paragraph and more of its own)."""
    return Alignment(text_words, canonical_words, matched, text_words - matched, canonical_words - matched,
                     0, 0, 0, 0, 0, 0, canonical_start, text_lead)


@pytest.mark.parametrize("alignment,expected", [
    (aligned(540, 500, 490), "update"),     # all of it, and a paragraph more
    (aligned(60, 500, 60), "contained"),    # a teaser
    (aligned(500, 503, 460), "near"),       # an edited copy
    (aligned(380, 500, 340), "contained"),  # an edited, trimmed copy
    (aligned(640, 500, 420), "update"),     # an edited copy with passages more
    (aligned(1500, 500, 450), None),        # a follow-up quoting most of a short story
    (aligned(1500, 500, 500), None),        # ...or all of it
    (aligned(1500, 500, 500, text_lead=40), None),  # ...after a short paragraph of its own
    (aligned(1500, 100, 100, text_lead=0), "update"),   # the whole story after its teaser
    (aligned(1500, 100, 100, text_lead=20), "update"),  # ...under a dateline or a menu left by cleaning
    (aligned(165, 70, 70), "update"),       # a short story under a note and a paragraph of news longer than it
    (aligned(500, 500, 250), None),         # another story
    (aligned(60, 500, 60, 25), "contained"),      # a teaser below an update note on top of the canonical
    (aligned(200, 900, 150, 600), None),          # a short story quoted down a longer one's own paragraphs
    (aligned(200, 900, 200, 600), None),          # ...whole
    (aligned(400, 500, 380, 90), "contained"),    # a trim without the canonical's opening covers most of it
])
def test_relation(alignment: Alignment, expected: str | None) -> None:
    assert relation(alignment, 12, OPTS)[0] == expected
