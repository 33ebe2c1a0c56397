"""Text normalisation: one form for quotes, dashes and spaces; keys for matching; shingles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

_QUOTES = str.maketrans({
    "„": '"', "“": '"', "”": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‚": "'", "‘": "'", "’": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "`": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
})
_QUOTE_CHARS = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")
_QUOTE_OF = {chr(k): v or "" for k, v in _QUOTES.items()}
_INVISIBLE = {0x200B: None, 0xAD: None}
_REMOVED = re.compile("[" + "".join(k for k, v in _QUOTE_OF.items() if not v) + "]")  # soft hyphen, zero widths
WORD_PATTERN = r"\w+(?:[-'.]\w+)*"  # a word: letters and digits, inner hyphens, apostrophes and dots kept
_WORD = re.compile(WORD_PATTERN)
_SENTENCE_END_CHARS = frozenset(".!?…:;\"'“”»«)")
_NON_LETTERS = re.compile(r"[\W\d_]+")


def clean_line(line: str) -> str:
    """A line with its white space folded (NBSP, tabs, runs of spaces) and trimmed."""
    if "\u200b" in line or "\u00ad" in line:  # zero-width space, soft hyphen
        line = line.translate(_INVISIBLE)
    return " ".join(line.split())


# Short lines are folded by several stages and page furniture recurs on every page, so their
# keys are cached. Paragraphs rarely recur across pages, but three stages in a row read each
# page's lines (recurring, clean and its lexicon): the last few hundred paragraphs are cached,
# those of a paragraph's length only (a page may hold one line of megabytes).
CACHED_LINE_CHARS = 160
CACHED_LINES = 1 << 15
CACHED_PARAGRAPH_CHARS = 4096
CACHED_PARAGRAPHS = 512
T = TypeVar("T")


def _fold(text: str) -> str:
    if not text.isascii():  # (ASCII is its own NFKC form)
        text = unicodedata.normalize("NFKC", text)
    # (str.translate would look up every character; a line has few of these)
    text = _QUOTE_CHARS.sub(lambda m: _QUOTE_OF[m.group()], text)
    return " ".join(text.split()).casefold()


_fold_short = lru_cache(maxsize=CACHED_LINES)(_fold)


def fold(text: str) -> str:
    """NFKC, one form for quotes and dashes, case-folded: the form compared for duplicates."""
    return _fold_short(text) if len(text) <= CACHED_LINE_CHARS else _fold(text)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits; inner hyphens, apostrophes and dots kept)."""
    return _WORD.findall(text)


def ends_sentence(text: str) -> bool:
    """Ends like a sentence: . ! ? … : ; a closing quote or bracket (a character test, no
    regex: end-anchored patterns are tried at every position of the line)."""
    return text.rstrip()[-1:] in _SENTENCE_END_CHARS


def _by_length(read: Callable[[str], T], doc: str) -> Callable[[str], T]:
    """``read`` with the cache for its text's length: one for short lines, one for the last
    paragraphs, none for longer text (``doc``: what it returns)."""
    short, long = lru_cache(maxsize=CACHED_LINES)(read), lru_cache(maxsize=CACHED_PARAGRAPHS)(read)

    def cached(text: str) -> T:
        n = len(text)
        return short(text) if n <= CACHED_LINE_CHARS else long(text) if n <= CACHED_PARAGRAPH_CHARS else read(text)
    cached.__name__, cached.__qualname__, cached.__doc__ = read.__name__[1:], read.__qualname__[1:], doc
    return cached


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


word_count = _by_length(_word_count, "How many words :func:`words` finds.")


@lru_cache(maxsize=8)
def _at_least(n: int) -> re.Pattern[str]:
    # The words of ``_WORD`` one after another, each taken whole (atomic): no backtracking
    # can split a word in two to reach n.
    return re.compile(r"(?:[^\w]*+(?>\w+(?:[-'.]\w+)*)){%d}" % n)


def has_words(text: str, n: int) -> bool:
    """``word_count(text) >= n``, reading no further than the n-th word."""
    return n <= 0 or _at_least(n).match(text) is not None


def _letters_key(text: str) -> str:
    # fold() less its quotes and spaces, which become the single space between letters anyway
    if not text.isascii():
        text = _REMOVED.sub("", unicodedata.normalize("NFKC", text))
    return _NON_LETTERS.sub(" ", text.casefold()).strip()


letters_key = _by_length(_letters_key, 'Only the letters, case-folded, single-spaced: "Antworten (0 )" -> "antworten".')


def shingles(text: str, size: int) -> set[str]:
    """Word ``size``-grams of the folded text (the whole text if it is shorter)."""
    return word_shingles(words(fold(text)), size)


def word_shingles(tokens: list[str], size: int) -> set[str]:
    """Word ``size``-grams of a token list (the whole list if it is shorter)."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}
