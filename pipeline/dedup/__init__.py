"""Near-duplicate detection: what the fingerprint, dedup and store stages use to join copies.

- :mod:`~pipeline.dedup.signatures`: MinHash signatures with pinned parameters, and shingle ids;
- :mod:`~pipeline.dedup.alignment`: the word alignment a candidate is verified on;
- :mod:`~pipeline.dedup.relations`: how a text relates to a canonical text (exact, near, update,
  contained), and the opening keys teasers are found by;
- :mod:`~pipeline.dedup.bands`: LSH band keys as integers, the keys that are locked, the rebuild;
- :mod:`~pipeline.dedup.index`: where the candidates are looked up (in memory, or in the database).

The wing uses the store's tables (:mod:`pipeline.store.models`); it never imports the stages.
"""
