"""Walking paths and reading files into documents."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.inputs import iter_documents, iter_files, read_document

SUFFIXES = (".txt", ".html", ".htm", ".txt.gz", ".html.gz", ".htm.gz")


def test_directories_are_walked_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/z.html", "a.txt", "b/y.TXT", "c.pdf", "d.htm.gz"):
        (tmp_path / name).write_bytes(b"x")
    found = [f.path.relative_to(tmp_path).as_posix() for f in iter_files([tmp_path], SUFFIXES)]
    assert found == ["a.txt", "d.htm.gz", "b/y.TXT", "b/z.html"]


def test_a_file_named_directly_is_taken_whatever_its_suffix(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("x")
    assert [f.error for f in iter_files([tmp_path / "page.md"], SUFFIXES)] == [None]


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


# --- hostile folders -------------------------------------------------------------------------

def _docs(paths: list[Path], follow: bool = False) -> dict[str, object]:
    return {Path(d.uri).name: d for d in iter_documents(paths, SUFFIXES, 1000, follow)}


def test_a_fifo_is_recorded_not_read_and_the_run_goes_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # no writer: open() for reading would wait for ever
    (tmp_path / "z.txt").write_bytes(b"after the pipe")
    done: list[dict[str, object]] = []
    worker = threading.Thread(target=lambda: done.append(_docs([tmp_path])), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert done, "reading a folder with a FIFO in it did not end"
    docs = done[0]
    assert docs["pipe.txt"].error[0] == "not-a-regular-file" and "FIFO" in docs["pipe.txt"].error[1]
    assert docs["pipe.txt"].raw is None
    assert docs["z.txt"].raw == b"after the pipe"


def test_a_fifo_named_on_the_command_line_is_refused_too(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    done: list[dict[str, object]] = []
    worker = threading.Thread(target=lambda: done.append(_docs([tmp_path / "pipe.txt"])), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert done and done[0]["pipe.txt"].error[0] == "not-a-regular-file"


def test_links_out_of_the_folder_are_refused_unless_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"root:x:0:0")
    (tmp_path / "outside" / "more.txt").write_bytes(b"more secrets")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "real.txt").write_bytes(b"an article")
    os.symlink(secret, folder / "passwd.txt")
    os.symlink(folder / "sub" / "real.txt", folder / "inner.txt")  # stays inside: read
    os.symlink(secret.parent, folder / "elsewhere")  # a folder outside: recorded, not walked
    os.symlink("..", folder / "sub" / "loop")  # a cycle: walked once at most

    docs = _docs([folder])
    assert docs["passwd.txt"].error[0] == "outside-input" and docs["passwd.txt"].raw is None
    assert "--follow-symlinks" in docs["passwd.txt"].error[1]
    assert docs["elsewhere"].error[0] == "outside-input"
    assert "more.txt" not in docs and docs["inner.txt"].raw == b"an article" and docs["real.txt"].raw

    followed = [d for d in iter_documents([folder], SUFFIXES, 1000, True)]
    names = sorted(Path(d.uri).name for d in followed)
    assert names.count("passwd.txt") == 1 and "more.txt" in names
    assert all(d.error is None for d in followed)
    assert len(names) < 10  # the cycle ended

    # A path given by name is read as given, link or not.
    assert _docs([folder / "passwd.txt"])["passwd.txt"].raw == b"root:x:0:0"


def test_a_link_changed_after_the_walk_is_checked_when_read(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_bytes(b"secret")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_bytes(b"fine")
    os.symlink(folder / "ok.txt", folder / "link.txt")
    (found,) = [f for f in iter_files([folder], SUFFIXES) if f.path.name == "link.txt"]
    (folder / "link.txt").unlink()
    os.symlink(tmp_path / "outside.txt", folder / "link.txt")
    assert read_document(found, 1000).error[0] == "outside-input"


def test_a_file_rewritten_while_read_records_what_was_read(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"")  # an editor saving it: empty when its size is read...
    real_os_open, real_path_open = os.open, Path.open

    def rewrite_first(opener):
        def open_after_rewrite(target, *args, **kwargs):
            if Path(target).name == "a.txt" and not path.stat().st_size:
                with open(path, "wb") as fh:  # ...written when it is opened
                    fh.write(b"the new text")
            return opener(target, *args, **kwargs)
        return open_after_rewrite

    monkeypatch.setattr(os, "open", rewrite_first(real_os_open))
    monkeypatch.setattr(Path, "open", rewrite_first(real_path_open))
    (doc,) = iter_documents([path], SUFFIXES, 1000)
    assert doc.raw == b"the new text" and doc.size == len(doc.raw)
    assert doc.sha256 == hashlib.sha256(doc.raw).hexdigest()


def test_a_folder_nested_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    frames, frame = 0, sys._getframe()
    while frame is not None:
        frames, frame = frames + 1, frame.f_back
    levels = [tmp_path]
    for _ in range(300):
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    (levels[-1] / "page.txt").write_bytes(b"deep down")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frames + 100)  # the folder is deeper than Python can recurse
    try:
        found = [f.path for f in iter_files([tmp_path], SUFFIXES)]
    finally:
        sys.setrecursionlimit(limit)
    assert found == [levels[-1] / "page.txt"]


ENTRY_KINDS = ["file", "file", "dir", "link-in", "link-out", "dirlink-out", "dirlink-in", "fifo", "broken"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.sampled_from(ENTRY_KINDS), st.integers(0, 3)), min_size=1, max_size=14),
       follow=st.booleans())
def test_any_folder_is_read_in_bounded_time_and_never_leaks_what_lies_outside(
        tmp_path_factory: pytest.TempPathFactory, entries: list[tuple[str, int]], follow: bool) -> None:
    base = tmp_path_factory.mktemp("hostile")
    outside = base / "outside"
    (outside / "deeper").mkdir(parents=True)
    (outside / "secret.txt").write_bytes(b"SECRET")
    (outside / "deeper" / "more.txt").write_bytes(b"SECRET TOO")
    folder = base / "in"
    dirs = [folder]
    folder.mkdir()
    expected: dict[Path, str] = {}  # every name the walk must report, and what it must be
    for i, (kind, parent) in enumerate(entries):
        where = dirs[parent % len(dirs)]
        path = where / (f"e{i}" + ("" if kind in ("dir", "dirlink-out", "dirlink-in") else ".txt"))
        if kind == "file":
            path.write_bytes(b"inside %d" % i)
            expected[path] = "read"
        elif kind == "dir":
            path.mkdir()
            dirs.append(path)
        elif kind == "link-in":
            os.symlink(folder, path) if i % 2 else os.symlink(where / "nowhere.txt", path)
            expected[path] = "not-a-regular-file" if i % 2 else "unreadable"
        elif kind == "link-out":
            os.symlink(outside / "secret.txt", path)
            expected[path] = "read" if follow else "outside-input"
        elif kind == "dirlink-out":
            os.symlink(outside, path)
            expected[path] = "walked" if follow else "outside-input"
        elif kind == "dirlink-in":
            os.symlink(folder, path)  # a cycle
        elif kind == "fifo":
            os.mkfifo(path)
            expected[path] = "not-a-regular-file"
        else:
            os.symlink(base / "gone", path)  # broken, and outside
            expected[path] = "unreadable" if follow else "outside-input"
    expected = {p: v for p, v in expected.items() if not (v == "not-a-regular-file" and p.is_dir())}

    done: list[list] = []
    worker = threading.Thread(target=lambda: done.append(list(iter_documents([folder], SUFFIXES, 1000, follow))),
                              daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert done, "the walk did not end"
    docs = done[0]
    by_uri = {d.uri: d for d in docs}
    for path, outcome in expected.items():
        if outcome == "walked":
            continue
        doc = by_uri.get(path.as_uri())
        if path.is_symlink() and path.resolve().is_dir():  # a link to a folder inside: walked where it lies
            continue
        assert doc is not None, f"{path.name} ({outcome}) was not reported"
        assert (doc.error[0] if doc.error else "read") == outcome, path.name
    for doc in docs:
        assert (doc.raw is None) == (doc.error is not None)
        if not follow:
            assert doc.raw not in (b"SECRET", b"SECRET TOO")
