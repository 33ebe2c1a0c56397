"""fingerprint: a MinHash signature and an exact hash of the cleaned text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from datasketch import MinHash

from pipeline.dedup.alignment import Tokens
from pipeline.dedup.alignment import tokens as tokens_of
from pipeline.dedup.bands import band_keys
from pipeline.dedup.relations import lead_key, opening_keys
from pipeline.dedup.signatures import ShingleIds, shingle_ids, signature
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.text.normalize import fold, letters_key, word_count, word_shingles, words
from settings.config import DedupOptions


@dataclass(frozen=True)
class Fingerprint:
    """What the dedup index knows of a text (see :class:`FingerprintStage`)."""

    text_hash: str
    word_count: int
    shingles: ShingleIds
    signature: MinHash
    bands: list[int]
    openings: list[str]
    lead: str | None
    tokens: Tokens


def fingerprint(paragraphs: list[str], opts: DedupOptions) -> Fingerprint:
    """The fingerprint of an article text given as paragraphs (``newsdedup check`` recomputes
    the stored ones with it)."""
    folded = fold("\n\n".join(paragraphs))
    tokens = words(folded)
    ids = shingle_ids(word_shingles(tokens, opts.shingle_words), opts)
    sig = signature(ids, opts)
    return Fingerprint(text_hash=hashlib.sha256(folded.encode("utf-8")).hexdigest(), word_count=len(tokens),
                       shingles=ids, signature=sig, bands=band_keys(sig, opts),
                       openings=opening_keys(paragraphs, opts), lead=lead_key(paragraphs, opts),
                       tokens=tokens_of("\n\n".join(paragraphs), opts))


class FingerprintStage(Stage):
    """Sets ``signature`` (datasketch MinHash of word shingles of the folded body, parameters
    pinned in settings), ``text_hash`` (sha256 of the folded body, for exact copies),
    ``word_count``, the signature's LSH ``bands`` (:mod:`pipeline.dedup.bands`) and the
    ``openings`` keys teasers are found by (:func:`pipeline.dedup.relations.opening_keys`) and
    the ``lead`` key of how the text opens (:func:`pipeline.dedup.relations.lead_key`):
    what the dedup index looks up and stores; and the body's ``tokens``, which candidates are
    aligned on (:mod:`pipeline.dedup.alignment`). The title is left out, so a retitled copy
    still matches. A candidate is matched with ``match_tokens``: the words of the paragraphs the
    source does not repeat (``repeated``, :class:`pipeline.stages.recurring.RecurringLinesStage`),
    where those hold ``NEWSDEDUP_MIN_TEXT_WORDS`` words; a site that prints the same long prose
    on every page (a featured post, an author's bio) does not make its pages copies of each
    other. Where they hold fewer, the text is ``furniture_only``: the dedup stage may find it a
    copy, never a part (``contained``) of another page. Drops nothing.
    """

    name = "fingerprint"
    parallel = True
    dedup_only = True

    def process(self, doc: Document) -> Document:
        fp = fingerprint(doc.body, self.config.dedup)
        doc.text_hash, doc.word_count = fp.text_hash, fp.word_count
        doc.signature, doc.bands, doc.openings, doc.tokens = fp.signature, fp.bands, fp.openings, fp.tokens
        doc.lead, doc.match_tokens = fp.lead, fp.tokens
        if doc.repeated:
            own = [p for p in doc.body if letters_key(p) not in doc.repeated]
            if word_count("\n\n".join(own)) < self.config.clean.min_text_words:
                doc.furniture_only = True
            elif len(own) < len(doc.body):
                doc.match_tokens = tokens_of("\n\n".join(own), self.config.dedup)
        return doc
