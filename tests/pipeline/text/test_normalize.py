"""Normalisation used for matching and shingles."""

from __future__ import annotations

import pytest

from pipeline.text.normalize import clean_line, fold, has_words, letters_key, shingles, word_count


def test_fold_unifies_quotes_dashes_width_and_case() -> None:
    assert fold("„Straße“ – ＡＢＣ") == fold('"STRASSE" - abc')


def test_letters_key_ignores_digits_and_punctuation() -> None:
    assert letters_key("Antworten (0 )") == "antworten"


def test_clean_line_folds_spaces() -> None:
    assert clean_line("\u00a0 a \t b  ") == "a b"


def test_shingles_are_word_ngrams_of_folded_text() -> None:
    assert shingles("A b C d", 2) == {"a b", "b c", "c d"}
    assert shingles("one two", 5) == {"one two"}
    assert shingles("", 5) == set()


@pytest.mark.parametrize("text", [
    "", "one", "U.S.-led talks, 1,200 people", "a/b/c/d e", "x-y-z -- 'quoted' words...", "l'été à Paris", "___ __",
    "Die Bundesregierung hat am Dienstag beschlossen, das Gesetz noch einmal zu prüfen.",
])
def test_has_words_agrees_with_word_count(text: str) -> None:
    for n in range(0, 15):
        assert has_words(text, n) == (word_count(text) >= n), (text, n)
