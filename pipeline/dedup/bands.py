"""LSH bands as integers: the keys of the dedup index kept in the database.

A MinHash signature is cut into ``b`` bands of ``r`` hash values. Two signatures that agree
on every value of one band are candidates (the LSH rule, as in datasketch's MinHashLSH). The
layout is datasketch's own choice for ``NEWSDEDUP_LSH_THRESHOLD`` and the number of
permutations, so the database index finds the same candidates as the in-memory one.

A band's key is a signed 64-bit integer: the xxhash64 of its r values, seeded with the band's
number. It is what ``article_bands.key`` stores and, with :func:`lock_key` for the other keys
a document is found by, what a shared-mode worker locks (:mod:`pipeline.dedup.index`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from pipeline.dedup.relations import OPENING_KEYS_VERSION, lead_key, opening_keys
from pipeline.dedup.signatures import from_bytes
from pipeline.errors import StorageError
from pipeline.store.models import Article, ArticleBand, ArticleOpening, IndexState, utcnow
from settings.config import DedupOptions

INDEX_NAME = "lsh-bands"  # the row of index_state that describes article_bands
_SIGN = 1 << 63


def signed64(value: int) -> int:
    """An unsigned 64-bit integer as the signed one PostgreSQL's bigint holds."""
    return value - (1 << 64) if value >= _SIGN else value


@lru_cache(maxsize=8)
def layout(opts: DedupOptions) -> tuple[int, int]:
    """(bands, rows per band), as datasketch's MinHashLSH picks them for the threshold."""
    lsh = MinHashLSH(threshold=opts.lsh_threshold, num_perm=opts.num_perm)
    return lsh.b, lsh.r


def params(opts: DedupOptions) -> str:
    """What makes two band keys comparable (the signature's parameters and the layout), and two
    opening keys (how they are made, and of which words)."""
    b, r = layout(opts)
    return (f"{opts.signature_params};lsh={opts.lsh_threshold};bands={b}x{r};openings=v{OPENING_KEYS_VERSION}:"
            f"{opts.opening_words}/{opts.opening_paragraphs}/{opts.opening_span_words}")


def band_keys(signature: MinHash, opts: DedupOptions) -> list[int]:
    """The signature's band keys, one per band, in band order."""
    b, r = layout(opts)
    values = np.asarray(signature.hashvalues, dtype="<u8")
    return [signed64(xxhash.xxh64_intdigest(values[i * r:(i + 1) * r].tobytes(), seed=i)) for i in range(b)]


def lock_key(kind: str, value: str) -> int:
    """A signed 64-bit key for an advisory lock on anything else a document is found by
    (its exact text hash, an opening key, a (uri, content) pair)."""
    return signed64(xxhash.xxh64_intdigest(f"{kind}\0{value}".encode("utf-8")))


def state(session: Session) -> IndexState | None:
    return session.get(IndexState, INDEX_NAME, populate_existing=True)


def mark_built(session: Session, opts: DedupOptions) -> None:
    """Record that ``article_bands`` holds every article's bands with these parameters."""
    row = state(session)
    if row is None:
        session.add(IndexState(name=INDEX_NAME, params=params(opts), built_at=utcnow()))
    else:
        row.params, row.built_at = params(opts), utcnow()


def rebuild(session: Session, opts: DedupOptions, *, batch: int = 1000,
            progress: Callable[[int], None] | None = None) -> int:
    """Rebuild ``article_bands`` and ``article_openings`` from the stored signatures and canonical
    texts, in the caller's transaction (commit it); returns the number of articles indexed.

    Refuses (``StorageError``) signatures made with other MinHash parameters. On PostgreSQL the
    two tables are locked against writes until the caller commits: workers running meanwhile
    wait, then add their own articles' keys to the rebuilt index."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE article_bands, article_openings IN EXCLUSIVE MODE"))
    session.execute(delete(ArticleBand))
    session.execute(delete(ArticleOpening))
    done = 0
    rows = session.execute(select(Article.id, Article.signature, Article.signature_params, Article.text)
                           .order_by(Article.id).execution_options(yield_per=batch))
    for chunk in rows.partitions():
        bands, openings = [], []
        for article_id, sig, sig_params, body in chunk:
            if sig_params != opts.signature_params:
                raise other_params(article_id, sig_params, opts)
            bands += [{"key": k, "article_id": article_id}
                      for k in set(band_keys(from_bytes(sig, opts), opts))]
            paragraphs = body.split("\n\n")
            lead = lead_key(paragraphs, opts)  # (the leads of the story's other documents are not stored texts)
            openings += [{"key": k, "article_id": article_id}
                         for k in [*opening_keys(paragraphs, opts), *([lead] if lead else [])]]
        if bands:
            session.execute(insert(ArticleBand), bands)
        if openings:
            session.execute(insert(ArticleOpening), openings)
        done += len(chunk)
        if progress is not None:
            progress(len(chunk))
    mark_built(session, opts)
    return done


def ensure_built(session: Session, opts: DedupOptions) -> int | None:
    """Rebuild the index (and commit) when it is missing or was built with other parameters;
    return the number of articles indexed, or None when it was current."""
    row = state(session)
    if row is not None and row.params == params(opts):
        return None
    n = rebuild(session, opts)
    session.commit()
    return n


def other_params(article_id: str, found: str, opts: DedupOptions) -> StorageError:
    return StorageError(f"article {article_id} has a signature made with {found!r}, but the settings say "
                        f"{opts.signature_params!r}; use the parameters the database was built with")


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
