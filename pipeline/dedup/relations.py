"""How one text relates to a story's canonical text: the relations of ``provenance`` rows.

Shared by the dedup stage (a new document against a canonical text) and the store
stage (a former canonical text against the one that replaced it). Both measure on the word
alignment of the two texts (:mod:`pipeline.dedup.alignment`).
"""

from __future__ import annotations

import hashlib

from pipeline.dedup.alignment import Alignment
from pipeline.text.normalize import fold, words
from settings.config import DedupOptions


def relation(a: Alignment, paragraph_words: int, opts: DedupOptions, led: bool = False) -> tuple[str | None, float]:
    """``(relation, similarity)`` of a text with a canonical text, from their word alignment
    (:class:`pipeline.dedup.alignment.Alignment`). What one has more than the other is weighted
    as the shares are: noise that cleaning left around a copy does not make it an update.

    - ``update``: all of the canonical (``whole_share``) and at least a paragraph more, and
      either mostly the story's own text (``update_min_share``), or adding no more than
      ``update_max_added_words`` (a note and a paragraph of news on a short story), or opening
      with it (behind at most ``update_max_lead_words``: a dateline, a note, a menu cleaning
      left; the whole story after its teaser): a follow-up quoting a short story whole, after
      a paragraph of its own, is another story;
    - ``contained``: held in the canonical, at least a paragraph shorter (teaser, excerpt, trim),
      and either aligned from near the canonical's opening (``contain_max_start`` words: a
      dateline or an update note above it) or covering ``contain_min_cover`` of it (a trim):
      a short story quoted in the middle of a longer one is another story; or opening as a
      document of the story opened (``led``, :func:`lead_key`: a teaser of the story's first
      text, held deep in an update that put news on top of it);
    - ``near``: each text at least ``near_threshold`` aligned with the other (an edited copy);
    - else ``update`` at the looser ``contain_threshold``, or ``contained`` at it (an edited,
      trimmed copy); else ``None``.
    """
    text_in, canonical_in = a.text_in_canonical, a.canonical_in_text
    extra_words = a.text_rest - a.canonical_rest
    if canonical_in >= opts.whole_share and extra_words >= paragraph_words and (
            text_in >= opts.update_min_share or a.text_rest <= opts.update_max_added_words
            or a.text_lead <= opts.update_max_lead_words):
        return "update", canonical_in
    held = a.canonical_start <= opts.contain_max_start or canonical_in >= opts.contain_min_cover or led
    if text_in >= opts.whole_share and -extra_words >= paragraph_words and held:
        return "contained", text_in
    if min(text_in, canonical_in) >= opts.near_threshold:
        return "near", a.similarity
    if canonical_in >= opts.contain_threshold and extra_words > 0 and text_in >= opts.update_min_share:
        return "update", canonical_in
    if text_in >= opts.contain_threshold and held:
        return "contained", text_in
    return None, 0.0


# How opening keys are made; stored keys made otherwise are rebuilt (:func:`pipeline.dedup.bands.params`).
OPENING_KEYS_VERSION = 2


def _opening_words(folded_words: list[str]) -> list[str]:
    """A paragraph's words (folded) that can key its opening: those holding no digit (a figure
    corrected in the opening leaves its key as it was)."""
    return [w for w in folded_words if w.isalpha() or not any(c.isdigit() for c in w)]


def _key(prefix: str, toks: list[str]) -> str:
    return hashlib.blake2b((prefix + " ".join(toks)).encode(), digest_size=8).hexdigest()


def lead_key(paragraphs: list[str], opts: DedupOptions) -> str | None:
    """The key of how a text opens: the first ``opening_words`` words of its first paragraph
    long enough. Stored for every document of a story (in ``article_openings``, beside the
    canonical's opening keys), so a teaser of the story's first text is known as the story's
    wherever the canonical text now holds that opening."""
    for para in paragraphs:
        toks = _opening_words(words(fold(para)))
        if len(toks) >= opts.opening_words:
            return _key("lead\0", toks[: opts.opening_words])
    return None


def opening_keys(paragraphs: list[str], opts: DedupOptions) -> list[str]:
    """Keys for the first ``opening_words`` words of the paragraphs long enough among the first
    ``opening_paragraphs`` such paragraphs and those starting within ``opening_span_words``
    words, each key once (two paragraphs may open alike): a teaser quotes a story's opening,
    and is found by it, also where cleaning left a menu or a note above one of the two. Words
    holding a digit are left out: a figure corrected in the opening leaves its key as it was."""
    keys: list[str] = []
    seen_words = found = 0
    for para in paragraphs:
        if found >= opts.opening_paragraphs and seen_words > opts.opening_span_words:
            break
        folded_words = words(fold(para))
        seen_words += len(folded_words)
        toks = _opening_words(folded_words)
        if len(toks) >= opts.opening_words:
            found += 1
            key = _key("", toks[: opts.opening_words])
            if key not in keys:
                keys.append(key)
    return keys
