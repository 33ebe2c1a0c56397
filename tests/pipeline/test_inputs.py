"""Walking paths and reading files into documents."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.inputs import iter_documents, iter_files

SUFFIXES = (".txt", ".html", ".htm", ".txt.gz", ".html.gz", ".htm.gz")


def test_directories_are_walked_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/z.html", "a.txt", "b/y.TXT", "c.pdf", "d.htm.gz"):
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p, err in iter_files([tmp_path], SUFFIXES)]
    assert found == ["a.txt", "d.htm.gz", "b/y.TXT", "b/z.html"]


def test_a_file_named_directly_is_taken_whatever_its_suffix(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("x")
    assert [err for _, err in iter_files([tmp_path / "page.md"], SUFFIXES)] == [None]


def test_provenance_fields(tmp_path: Path) -> None:
    path = tmp_path / "a b.txt"
    path.write_bytes(b"hello")
    (doc,) = iter_documents([path], SUFFIXES, 100)
    assert doc.uri == path.absolute().as_uri() and doc.uri.startswith("file:///") and "%20" in doc.uri
    assert doc.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert doc.size == 5 and doc.mtime is not None and doc.fetched_at is not None
    assert doc.raw == b"hello" and doc.error is None


def test_missing_broken_and_large_inputs_carry_an_error(tmp_path: Path) -> None:
    os.symlink(tmp_path / "nowhere", tmp_path / "broken.txt")
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    docs = {Path(d.uri).name: d for d in iter_documents([tmp_path, tmp_path / "gone.txt"], SUFFIXES, 100)}
    assert docs["broken.txt"].error[0] == "unreadable"
    assert docs["big.txt"].error[0] == "too-large" and docs["big.txt"].raw is None
    assert docs["gone.txt"].error == ("missing", "no such file or directory")
