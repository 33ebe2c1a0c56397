"""Loading the public extraction benchmarks from ``shared/bench-data`` (never copied here)."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from pipeline.stages.decode import DecodeStage

ROOT = Path(__file__).resolve().parent.parent


def bench_data() -> Path:
    """The bench-data folder: ``$NEWSDEDUP_BENCH_DATA`` or ``../shared/bench-data`` beside the repo."""
    env = os.environ.get("NEWSDEDUP_BENCH_DATA")
    for candidate in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "bench-data",
                                                     ROOT / ".." / ".." / "shared" / "bench-data"]:
        if candidate.is_dir():
            return candidate.resolve()
    raise SystemExit("bench-data not found: set NEWSDEDUP_BENCH_DATA to the shared/bench-data folder")


def load_module(path: Path) -> ModuleType:
    """Import a scorer from bench-data by path, so that it is used as published, not copied."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Page:
    key: str  # the scorer's key: AEB item id, or the eval corpus URL
    url: str
    html: str
    gold: dict = field(default_factory=dict)
    german: bool = False


def decode_page(raw: bytes) -> str:
    """Page bytes to text as a browser would: BOM, UTF-8, declared charset, windows-1252."""
    return DecodeStage.decode_bytes(raw)[0]


def aeb_pages() -> list[Page]:
    base = bench_data() / "aeb"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    return [Page(key, item.get("url", ""), decode_page((base / "html" / f"{key}.html").read_bytes()), item)
            for key, item in sorted(gold.items())]


def dragnet_pages() -> list[Page]:
    """Dragnet's training split: gold ``text`` (headline first) and ``comments`` ("" on pages without)."""
    base = bench_data() / "dragnet-train"
    gold = json.loads((base / "gold.json").read_text(encoding="utf-8"))
    return [Page(key, "", decode_page((base / "html" / f"{key}.html").read_bytes()), item)
            for key, item in sorted(gold.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)]


def eval_pages() -> list[Page]:
    base = bench_data() / "trafilatura-eval"
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    with open(base / "index.tsv", encoding="utf-8") as fh:
        german = {r["url"] for r in csv.DictReader(fh, delimiter="\t") if r["is_german"] == "1"}
    pages = []
    for url, item in sorted(gold.items()):
        for folder in ("cache", "eval"):
            path = base / "html" / folder / item["file"]
            if path.is_file():
                pages.append(Page(url, url, decode_page(path.read_bytes()), item, url in german))
                break
    return pages
