"""How one text relates to a story's canonical text: the relations of ``provenance`` rows.

Shared by the dedup stage (a new document against a canonical text) and the store
stage (a former canonical text against the one that replaced it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pipeline.dedup.signatures import ShingleIds, common
from pipeline.text.normalize import fold, words
from settings.config import DedupOptions


@dataclass(frozen=True)
class Overlap:
    """Shingle overlap of a text with a canonical text."""

    jaccard: float
    text_in_canonical: float  # share of the text's shingles found in the canonical
    canonical_in_text: float  # share of the canonical's shingles found in the text

    @classmethod
    def of(cls, text: ShingleIds, canonical: ShingleIds) -> Overlap:
        both = common(text, canonical)
        union = text.size + canonical.size - both
        return cls(both / union if union else 1.0, both / max(1, text.size), both / max(1, canonical.size))


def relation(o: Overlap, extra_words: int, paragraph_words: int, opts: DedupOptions) -> tuple[str | None, float]:
    """``(relation, similarity)`` of a text with ``extra_words`` more words than the canonical.

    - ``update``: all of the canonical (``whole_share``) and at least a paragraph more;
    - ``contained``: held in the canonical, at least a paragraph shorter (teaser, excerpt, trim);
    - ``near``: Jaccard at or above ``near_threshold`` (an edited copy);
    - else ``update``/``contained`` at the looser ``contain_threshold``; else ``None``.
    """
    if o.canonical_in_text >= opts.whole_share and extra_words >= paragraph_words:
        return "update", o.canonical_in_text
    if o.text_in_canonical >= opts.whole_share and -extra_words >= paragraph_words:
        return "contained", o.text_in_canonical
    if o.jaccard >= opts.near_threshold:
        return "near", o.jaccard
    if o.canonical_in_text >= opts.contain_threshold and extra_words > 0:
        return "update", o.canonical_in_text
    if o.text_in_canonical >= opts.contain_threshold:
        return "contained", o.text_in_canonical
    return None, 0.0


_NUMBER = re.compile(r"\d+(?:[.,\u202f\u00a0]\d+)*")


def numbers(text: str) -> set[str]:
    """The numbers a text states, separators dropped ("1,200" and "1.200" are one number)."""
    return {re.sub(r"\D", "", n) for n in _NUMBER.findall(text)}


def facts_agree(a: set[str], b: set[str], opts: DedupOptions) -> bool:
    """Whether two texts state the same numbers, as copies of one story do.

    Stories cast from one template (market, sport, weather reports) share their wording and
    differ in their numbers. When both texts state at least ``facts_min`` numbers, at least
    ``facts_min_share`` of the smaller set must be found in the other.
    """
    if min(len(a), len(b)) < opts.facts_min:
        return True
    return len(a & b) / min(len(a), len(b)) >= opts.facts_min_share


def opening_keys(paragraphs: list[str], opts: DedupOptions) -> list[str]:
    """Keys for the first ``opening_words`` words of the first ``opening_paragraphs`` paragraphs
    long enough, each key once (two paragraphs may open alike): a teaser quotes a story's
    opening, and is found by it."""
    keys: list[str] = []
    for para in paragraphs:
        toks = words(fold(para))
        if len(toks) >= opts.opening_words:
            key = hashlib.blake2b(" ".join(toks[: opts.opening_words]).encode(), digest_size=8).hexdigest()
            if key not in keys:
                keys.append(key)
            if len(keys) >= opts.opening_paragraphs:
                break
    return keys
