"""Stop words per language, from jusText's stoplists (``pipeline/data/stoplists.tsv`` maps codes)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import justext


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    text = (resources.files("pipeline") / "data" / "stoplists.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name.strip() for code, name in rows}


@lru_cache(maxsize=32)
def stopwords(language: str | None) -> frozenset[str]:
    """The stop words of ``language`` (an ISO 639-1 code), or an empty set if none are known."""
    name = _names().get(language or "")
    return frozenset(justext.get_stoplist(name)) if name else frozenset()
