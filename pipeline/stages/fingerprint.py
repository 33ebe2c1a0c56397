"""fingerprint: a MinHash signature and an exact hash of the cleaned text."""

from __future__ import annotations

import hashlib

from pipeline.bands import band_keys
from pipeline.items import Document
from pipeline.relations import opening_keys
from pipeline.signatures import shingle_ids, signature
from pipeline.stages.base import Stage
from pipeline.text.normalize import fold, word_shingles, words


class FingerprintStage(Stage):
    """Sets ``signature`` (datasketch MinHash of word shingles of the folded
    body, parameters pinned in settings) and the ids of the ``shingles`` it is made of (:func:`pipeline.signatures.shingle_ids`), ``text_hash`` (sha256 of the folded
    body, for exact copies), ``word_count``, the signature's LSH ``bands``
    (:mod:`pipeline.bands`) and the ``openings`` keys teasers are found by
    (:func:`pipeline.relations.opening_keys`): what the dedup index looks up and stores. The title is left out, so a
    retitled copy still matches. Drops nothing.
    """

    name = "fingerprint"
    parallel = True

    def process(self, doc: Document) -> Document:
        folded = fold(doc.body_text)
        doc.text_hash = hashlib.sha256(folded.encode("utf-8")).hexdigest()
        tokens = words(folded)
        doc.word_count = len(tokens)
        doc.shingles = shingle_ids(word_shingles(tokens, self.config.dedup.shingle_words), self.config.dedup)
        doc.signature = signature(doc.shingles, self.config.dedup)
        doc.bands = band_keys(doc.signature, self.config.dedup)
        doc.openings = opening_keys(doc.body, self.config.dedup)
        return doc
