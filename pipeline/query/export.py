"""Writing articles out: JSON lines, CSV or Parquet, streamed (memory stays flat).

Every format carries the export record of :meth:`pipeline.query.records.ArticleRecord.to_dict`:
in CSV, list fields (authors, credits, sources) are JSON-encoded; in Parquet they are
typed lists (``sources`` a list of structs) and dates are timestamps.

CSV is opened by spreadsheet programs, which run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula: such a cell is
written with a single quote before it (OWASP's advice), which they show as text.
JSON lines and Parquet carry every text verbatim.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pipeline.query.records import ArticleRecord
from pipeline.store.models import local_time

FORMATS = ("jsonl", "csv", "parquet")
PARQUET_BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a CSV cell starting so is a formula to a spreadsheet


def write_jsonl(records: Iterable[ArticleRecord], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[ArticleRecord], out: IO[str]) -> int:
    writer = None
    count = 0
    for record in records:
        row = record.to_dict()
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow({k: _cell(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                         for k, v in row.items()})
        count += 1
    return count


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as the text it is, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def parquet_schema() -> Any:
    import pyarrow as pa

    source = pa.struct([
        ("uri", pa.string()), ("fetched_at", pa.timestamp("us")), ("relation", pa.string()),
        ("similarity", pa.float64()), ("title", pa.string()), ("content_sha256", pa.string()),
        ("credits", pa.list_(pa.string())), ("outlet", pa.string()), ("http_status", pa.int32()),
        ("canonical_url", pa.string()), ("found_in", pa.string()),
    ])
    return pa.schema([
        ("id", pa.string()), ("title", pa.string()), ("text", pa.string()), ("authors", pa.list_(pa.string())),
        ("published", pa.timestamp("us")), ("published_offset", pa.int32()), ("language", pa.string()),
        ("credits", pa.list_(pa.string())),
        ("outlet", pa.string()), ("first_seen", pa.timestamp("us")), ("sources", pa.list_(source)),
    ])


def _row(record: ArticleRecord) -> dict[str, Any]:
    published, offset = local_time(record.published)  # (one column type for every row: the local time)
    return {"id": record.id, "title": record.title, "text": record.text, "authors": list(record.authors),
            "published": published, "published_offset": offset, "language": record.language,
            "credits": list(record.credits),
            "outlet": record.outlet, "first_seen": record.first_seen,
            "sources": [{"uri": s.uri, "fetched_at": s.fetched_at, "relation": s.relation,
                         "similarity": s.similarity, "title": s.title, "content_sha256": s.content_sha256,
                         "credits": list(s.credits), "outlet": s.outlet, "http_status": s.http_status,
                         "canonical_url": s.canonical_url, "found_in": s.found_in} for s in record.sources]}


def write_parquet(records: Iterable[ArticleRecord], path: str | Path) -> int:
    """Write row groups of ``PARQUET_BATCH`` articles as they come."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in _batches(records, PARQUET_BATCH):
            writer.write_table(pa.Table.from_pylist([_row(r) for r in batch], schema=schema))
            count += len(batch)
    return count


def _batches(records: Iterable[ArticleRecord], size: int) -> Iterator[list[ArticleRecord]]:
    batch: list[ArticleRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
