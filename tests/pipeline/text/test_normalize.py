"""Normalisation used for matching and shingles."""

from __future__ import annotations

from pipeline.text.normalize import clean_line, fold, letters_key, shingles


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
