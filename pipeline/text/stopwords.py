"""Stop words per language, from jusText's stoplists (``pipeline/data/stoplists.tsv`` maps codes).

jusText's lists are the most frequent words of each language's Wikipedia, where English titles
and foreign names are frequent too: its German and French lists held "the", "of" and "and",
its English list "de" and "san", so that one English paragraph in six read as rich in German
or French stop words. A word that another language's jusText list has too is kept only where
the language's Snowball stop list (``pipeline/data/stopwords/``, PostgreSQL's) has it: "in",
"was" and "so" stay German, "the" goes; "de" stays French and Spanish, and leaves English.
Languages without a Snowball list keep jusText's list as it is.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import justext


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    text = (resources.files("pipeline") / "data" / "stoplists.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name.strip() for code, name in rows}


def _snowball(name: str) -> frozenset[str] | None:
    """The Snowball stop list of the language jusText calls ``name``, if there is one."""
    path = resources.files("pipeline") / "data" / "stopwords" / f"{name.lower()}.stop"
    return frozenset(path.read_text(encoding="utf-8").split()) if path.is_file() else None


@lru_cache(maxsize=1)
def _shared() -> dict[str, frozenset[str]]:
    """For each jusText language with a Snowball list: the words of its jusText list that the
    jusText list of another such language has too."""
    lists = {name: frozenset(justext.get_stoplist(name)) for name in set(_names().values())
             if _snowball(name) is not None and name in justext.get_stoplists()}
    return {name: words & frozenset().union(*(o for other, o in lists.items() if other != name))
            for name, words in lists.items()}


@lru_cache(maxsize=32)
def stopwords(language: str | None) -> frozenset[str]:
    """The stop words of ``language`` (an ISO 639-1 code), or an empty set if none are known."""
    name = _names().get(language or "")
    if not name:
        return frozenset()
    words = frozenset(justext.get_stoplist(name))
    snowball = _snowball(name)
    if snowball is None:
        return words
    return words - (_shared().get(name, frozenset()) - snowball)
