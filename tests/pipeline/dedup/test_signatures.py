"""MinHash signatures: made from shingle ids, equal to datasketch's own over the shingles."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from pipeline.dedup.signatures import HASH_FUNCTIONS, common, from_bytes, shingle_ids, signature, to_bytes
from pipeline.text.normalize import shingles
from tests.conftest import SEEDS, make_config

TEXT = (SEEDS / "002_2bb625ef10a0835c.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("hash_name", sorted(HASH_FUNCTIONS))
def test_signature_from_ids_equals_datasketch_over_the_shingles(hash_name: str) -> None:
    opts = make_config(NEWSDEDUP_MINHASH_HASH=hash_name).dedup
    grams = shingles(TEXT, opts.shingle_words)
    plain = MinHash(num_perm=opts.num_perm, seed=opts.seed, hashfunc=HASH_FUNCTIONS[hash_name], scheme=opts.scheme)
    plain.update_batch([g.encode("utf-8") for g in grams])
    ours = signature(shingle_ids(grams, opts), opts)
    assert np.array_equal(ours.hashvalues, plain.hashvalues)
    assert ours.hashfunc is HASH_FUNCTIONS[hash_name]
    assert np.array_equal(from_bytes(to_bytes(ours), opts).hashvalues, ours.hashvalues)


def test_overlap_on_ids_matches_overlap_on_strings() -> None:
    opts = make_config().dedup
    a = shingles(TEXT, opts.shingle_words)
    b = shingles(TEXT.replace("Lawrow", "Lavrov").replace("Moskau", "Moscow"), opts.shingle_words)
    exact = len(a & b) / len(a | b)
    assert 0.3 < exact < 1
    ids_a, ids_b = shingle_ids(a, opts), shingle_ids(b, opts)
    both = common(ids_a, ids_b)
    assert both / (ids_a.size + ids_b.size - both) == pytest.approx(exact, abs=0.005)
    assert both / ids_a.size == pytest.approx(len(a & b) / len(a), abs=0.005)
