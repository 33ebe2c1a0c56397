"""The boilerplate lexicon: phrase lists loaded from ``pipeline/data/boilerplate/<lang>.txt``.

The file format is described in that folder's README. A :class:`Lexicon`
merges the languages asked for, because a page's language is not known
before it is cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from pipeline.errors import ConfigError
from pipeline.text.normalize import fold, letters_key, word_count

ACTIONS = {"line", "notice", "box", "cut", "meta", "names"}
_ELLIPSIS = re.compile(r"(?:(?<!\s)\s++)?(…|\.\.\.)$")
_LABEL_SEPARATORS = "·|•"  # what may stand for a label's colon at the line's start
_HEADER = re.compile(r"^\[([a-z_]+)\s+([a-z]+)\]$")
_QUOTES = tuple("\"'«»‹›‘’‚„“”")  # what opens a quoted title


@dataclass(frozen=True)
class LexiconMatch:
    category: str
    action: str
    phrase: str
    rest: str = ""  # the text after a "starts with" or "label:" phrase


@dataclass
class Lexicon:
    """Phrase tables for fast whole-line, prefix and label matching."""

    whole: dict[str, tuple[str, str]] = field(default_factory=dict)
    prefixes: dict[str, tuple[str, str]] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    max_words: int = 40
    _label_re: re.Pattern[str] | None = None
    _label_sep_re: re.Pattern[str] | None = None
    _count_re: re.Pattern[str] | None = None
    _count_starts: frozenset[str] = frozenset()  # a count's line key has one of these first or second
    _max_prefix_words: int = 1
    _prefix_starts: set[str] = field(default_factory=set)  # the first words of ``prefixes``

    @classmethod
    def load(cls, languages: tuple[str, ...], max_words: int = 40) -> Lexicon:
        return _load(tuple(languages), max_words)

    def add_file(self, text: str, source: str) -> None:
        category = action = None
        for lineno, raw in enumerate(text.splitlines(), 1):
            entry = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if not entry:
                continue
            header = _HEADER.match(entry)
            if header:
                category, action = header.groups()
                if action not in ACTIONS:
                    raise ConfigError(f"{source}:{lineno}: unknown action {action!r}")
                continue
            if category is None or action is None:
                raise ConfigError(f"{source}:{lineno}: entry before any [category action] header")
            if action == "names":
                name, _, value = entry.rpartition(" ") if category == "months" else (entry, "", entry)
                self.names.setdefault(category, {})[fold(name)] = value
            elif entry.endswith(":"):
                self.labels.setdefault(fold(entry[:-1]), (category, action))
            elif _ELLIPSIS.search(entry):
                key = letters_key(_ELLIPSIS.sub("", entry))
                self.prefixes.setdefault(key, (category, action))
                self._prefix_starts.add(key.split(" ", 1)[0])
                self._max_prefix_words = max(self._max_prefix_words, len(key.split()))
            else:
                self.whole.setdefault(letters_key(entry), (category, action))
        if self.labels:
            labels = alternatives(self.labels)
            # at the line's start or after punctuation ("… Foto: dpa", "Text | Photo: AP"), not
            # inside a sentence ("… wrote this post: Twitter Rolls Out Cover Photos: How to …")
            self._label_re = re.compile(rf"(?:^|(?<=[^\w\s])\s*)({labels})\s*:\s*(.*)$")
            # at the line's start, a middle dot or a bar may stand for the colon ("ANZEIGE · …")
            self._label_sep_re = re.compile(rf"^({labels})\s*+[{_LABEL_SEPARATORS}]\s*+(.*)$")
        nouns, prepositions = self.names.get("comment_count_nouns"), self.names.get("comment_count_prepositions")
        if nouns and prepositions:
            ones = self.names.get("comment_count_one", {})
            self._count_starts = frozenset(nouns) | frozenset(ones)
            self._count_re = re.compile(
                rf"^[^\w]*+(?:\d[\d.,]*+(?<![.,])|(?P<one>{alternatives(ones)}))\s++(?:[^\W\d_]++\s++)?"
                rf"(?:{alternatives(nouns)})(?!\w)"
                rf"(?:[\W\d_]*+$|\s++(?:{alternatives(prepositions)})\s++(?P<title>.*)$|(?P<symbol>\s*+[^\w\s].*)$)")

    def match(self, line: str, n_words: int | None = None) -> LexiconMatch | None:
        """The first phrase that matches ``line``: whole line, then prefix, then label; a line
        longer than ``max_words`` matches whole-line and ``notice`` phrases only (a comment
        policy or a cookie notice runs on). ``n_words``: the line's word count, when known."""
        key = letters_key(line)
        if not key:
            return None
        long = (word_count(line) if n_words is None else n_words) > self.max_words
        first, *second = key.split(" ", 2)[:2]
        if not long and (first in self._count_starts or second and second[0] in self._count_starts):
            # (a count's noun, or "one"; after a word: "8 appreciated comments")
            count = self._count_header(line)
            if count is not None:
                return count
        hit = self.whole.get(key)
        if hit:
            return LexiconMatch(hit[0], hit[1], key)
        parts = key.split(None, self._max_prefix_words) if first in self._prefix_starts else []
        for n in range(min(len(parts), self._max_prefix_words), 0, -1):  # (the last part may hold the rest)
            phrase = " ".join(parts[:n])
            hit = self.prefixes.get(phrase)
            if hit and (not long or hit[1] == "notice"):
                return LexiconMatch(hit[0], hit[1], phrase, _rest_after(line, n))
        # every label ends with a colon, or opens its line before a dot or a bar (most lines have none)
        colon, separator = ":" in line, any(c in line for c in _LABEL_SEPARATORS)
        if not long and self._label_re is not None and (colon or separator):
            folded = fold(line)
            found = self._label_re.search(folded) if colon else None
            if found is None and separator and self._label_sep_re is not None:
                found = self._label_sep_re.match(folded)
            if found:
                label = found.group(1)
                cat, act = self.labels[label]
                here = re.search(re.escape(label) + rf"\s*[:{_LABEL_SEPARATORS}]\s*", line, re.IGNORECASE)
                rest = line[here.end():] if here else found.group(2)
                return LexiconMatch(cat, act, label, rest.strip())
        return None

    def _count_header(self, line: str) -> LexiconMatch | None:
        """A count of comments that heads them, as a ``comments`` ``cut`` line: a number (not one
        ending in a dot: "9." numbers a list's item), or a word for one, maybe a word more ("8
        appreciated comments"), then a noun of ``[comment_count_nouns]``, then nothing but symbols
        ("16 Comments", "Kommentare (3)" is a phrase), a preposition and the story's title
        ("14 comments to …", "2 Gedanken zu „…“"; after a word for one only a quoted title: "Une
        réponse à « … »", not "Eine Antwort auf die Frage"), or, after a number, a symbol
        ("{ 4 comments… read them below }")."""
        found = self._count_re.match(fold(line)) if self._count_re is not None else None
        if found is None:
            return None
        title = found.group("title")
        if found.group("one") is not None and (found.group("symbol") is not None
                                               or (title is not None and not title.startswith(_QUOTES))):
            return None
        return LexiconMatch("comments", "cut", "count", (title or "").strip())

    def is_name(self, category: str, text: str) -> bool:
        return fold(text) in self.names.get(category, {})

    def name_list(self, category: str) -> dict[str, str]:
        return self.names.get(category, {})


def alternatives(names: Iterable[str]) -> str:
    """A regex alternation of lexicon names, longest first ("(?!)" matches nothing when empty)."""
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True)) or "(?!)"


def _rest_after(line: str, n_words: int) -> str:
    """The original text of ``line`` after its first ``n_words`` letter-words."""
    seen = 0
    for m in re.finditer(r"[^\W\d_]+", line):
        seen += 1
        if seen == n_words:
            return line[m.end():].lstrip(" :,-–—").strip()
    return ""


@lru_cache(maxsize=8)
def _load(languages: tuple[str, ...], max_words: int) -> Lexicon:
    lex = Lexicon(max_words=max_words)
    folder = resources.files("pipeline") / "data" / "boilerplate"
    for name in ("_common", *languages):
        path = folder / f"{name}.txt"
        if not path.is_file():
            raise ConfigError(f"no boilerplate lexicon for language {name!r} (looked for {path})")
        lex.add_file(path.read_text(encoding="utf-8"), f"{name}.txt")
    return lex
