"""Author names from bylines."""

from __future__ import annotations

import pytest

from pipeline.text.bylines import NameParser
from pipeline.text.lexicon import Lexicon

split_authors = NameParser(Lexicon.load(("de", "en", "fr", "es", "it"))).split


@pytest.mark.parametrize("text,names", [
    ("Sarah Baumann-Rüster", ["Sarah Baumann-Rüster"]),
    ("Petra Lang und Uwe Kern", ["Petra Lang", "Uwe Kern"]),
    ("Margaret Hollis and Tom Reyes", ["Margaret Hollis", "Tom Reyes"]),
    ("Claire Dumas et Paul Roy", ["Claire Dumas", "Paul Roy"]),
    ("Ursula von der Leyen", ["Ursula von der Leyen"]),
    ("Anna Roth, Max Muster", ["Anna Roth", "Max Muster"]),
])
def test_names(text: str, names: list[str]) -> None:
    assert split_authors(text) == names


@pytest.mark.parametrize("text", ["Berlin aus fuhr er", "the end of the week", "DPA", "Reuters", ""])
def test_not_names(text: str) -> None:
    assert split_authors(text) == []
