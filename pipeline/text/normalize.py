"""Text normalisation: one form for quotes, dashes and spaces; keys for matching; shingles."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


_word_count_short = lru_cache(maxsize=CACHED_LINES)(_word_count)
_word_count_long = lru_cache(maxsize=CACHED_PARAGRAPHS)(_word_count)


def word_count(text: str) -> int:
    """How many words :func:`words` finds (cached as :func:`letters_key` is)."""
    n = len(text)
    return (_word_count_short(text) if n <= CACHED_LINE_CHARS
            else _word_count_long(text) if n <= CACHED_PARAGRAPH_CHARS else _word_count(text))


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


_letters_key_short = lru_cache(maxsize=CACHED_LINES)(_letters_key)
_letters_key_long = lru_cache(maxsize=CACHED_PARAGRAPHS)(_letters_key)


def letters_key(text: str) -> str:
    """Only the letters, case-folded, single-spaced: "Antworten (0 )" -> "antworten"."""
    n = len(text)
    return (_letters_key_short(text) if n <= CACHED_LINE_CHARS
            else _letters_key_long(text) if n <= CACHED_PARAGRAPH_CHARS else _letters_key(text))


def shingles(text: str, size: int) -> set[str]:
    """Word ``size``-grams of the folded text (the whole text if it is shorter)."""
    return word_shingles(words(fold(text)), size)


def word_shingles(tokens: list[str], size: int) -> set[str]:
    """Word ``size``-grams of a token list (the whole list if it is shorter)."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}
