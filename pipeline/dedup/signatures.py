"""MinHash signatures with pinned parameters, and their storage form.

All parameters come from :class:`settings.config.DedupOptions`; its
``signature_params`` string is stored with every signature, and the dedup
stage refuses to compare signatures made with other parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import xxhash
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32

from pipeline.errors import ConfigError
from settings.config import DedupOptions

HASH_FUNCTIONS: dict[str, Callable[[bytes], int]] = {
    "xxh32": xxhash.xxh32_intdigest,
    "sha1": sha1_hash32,
}
_DTYPE = {"affine32": "<u4", "legacy": "<u8", "affine64": "<u8"}


def _hashfunc(opts: DedupOptions) -> Callable[[bytes], int]:
    try:
        return HASH_FUNCTIONS[opts.hash]
    except KeyError:
        raise ConfigError(f"NEWSDEDUP_MINHASH_HASH={opts.hash!r}: choose one of {sorted(HASH_FUNCTIONS)}") from None


@lru_cache(maxsize=4)
def _template(opts: DedupOptions) -> MinHash:
    """An empty MinHash whose permutations are computed once and shared."""
    if opts.scheme not in _DTYPE:
        raise ConfigError(f"NEWSDEDUP_MINHASH_SCHEME={opts.scheme!r}: choose one of {sorted(_DTYPE)}")
    return MinHash(num_perm=opts.num_perm, seed=opts.seed, hashfunc=_hashfunc(opts), scheme=opts.scheme)


ShingleIds = npt.NDArray[np.uint32]  # sorted, unique


def shingle_ids(shingles: Collection[str], opts: DedupOptions) -> ShingleIds:
    """The shingles hashed with the configured hash function (``NEWSDEDUP_MINHASH_HASH``, 32
    bits), sorted and unique: what the MinHash is made of, and what exact overlaps are
    measured on. Four bytes a shingle, so cheap to cache and to send between processes; two
    of a page's shingles collide about once in ten thousand comparisons, which moves a
    similarity by 1/700."""
    hashfunc = _hashfunc(opts)
    ids = np.fromiter((hashfunc(s.encode("utf-8")) for s in shingles), dtype=np.uint32, count=len(shingles))
    return np.unique(ids)


def common(a: ShingleIds, b: ShingleIds) -> int:
    """How many shingle ids two sets share."""
    return int(np.intersect1d(a, b, assume_unique=True).size)


def _identity(value: int) -> int:
    return value


def signature(ids: ShingleIds, opts: DedupOptions) -> MinHash:
    """The MinHash of a set of shingle ids (:func:`shingle_ids`): the same signature as
    ``MinHash.update_batch`` over the shingles themselves, without hashing them twice."""
    base = _template(opts)
    m = MinHash(seed=opts.seed, hashfunc=_identity, scheme=opts.scheme,
                hashvalues=base.hashvalues.copy(), permutations=base.permutations)
    m.update_batch(ids.tolist())
    m.hashfunc = base.hashfunc  # later updates (none in newsdedup) hash as configured
    return m


def to_bytes(m: MinHash) -> bytes:
    return np.asarray(m.hashvalues).astype(_DTYPE[m.scheme]).tobytes()


def from_bytes(data: bytes, opts: DedupOptions) -> MinHash:
    base = _template(opts)
    values = np.frombuffer(data, dtype=_DTYPE[opts.scheme]).astype(base.hashvalues.dtype)
    return MinHash(seed=opts.seed, hashfunc=base.hashfunc, scheme=opts.scheme,
                   hashvalues=values, permutations=base.permutations)

