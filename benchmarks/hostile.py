"""Hostile folders: each case decided in bounded time and memory, nothing outside read, the rest stored.

    python -m benchmarks.hostile [--cases NAME,NAME] [--timeout SECONDS]

Each case is a temporary folder holding one hostile input beside one good page (a seed). Side by
side on that folder:

- ``newsdedup``: ``newsdedup ingest FOLDER --workers 1`` into a new SQLite file;
- ``reference``: ``shared/bench/reference_pipeline.py`` as it is (the forty-line loop).

Per case it prints, for each: the wall time and peak memory of the process (``wait4``), or
``TIMEOUT`` when it did not end within ``--timeout``; for newsdedup, the reason recorded for the
hostile input, whether the good page was stored, and whether a secret placed outside the folder
(reached by a link) or a terminal escape character appears in the database; for the reference,
the same leak check.
The inputs are built here from their descriptions in issue 15, with sizes drawn at random over
the ranges given there, so no run sees exactly the same bytes.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.data import ROOT, bench_data

SECRET = b"root:x:0:0:SECRET-OUTSIDE-THE-FOLDER"
REFERENCE = bench_data().parent / "bench" / "reference_pipeline.py"


def _comments(folder: Path, rng: random.Random) -> str:
    (folder / "page").write_bytes(b"<!---->" * rng.randint(24, 60) + b"Some text after the comments.")
    return "page"


def _fifo(folder: Path, rng: random.Random) -> str:
    os.mkfifo(folder / "pipe.txt")
    return "pipe.txt"


def _link_out(folder: Path, rng: random.Random) -> str:
    secret = folder.parent / "outside" / "passwd.txt"
    secret.parent.mkdir(exist_ok=True)
    secret.write_bytes(SECRET + b"\n" + b"Many words in a line of text that looks like an article to a naive loop. " * 3)
    os.symlink(secret, folder / "passwd.txt")
    return "passwd.txt"


def _many_elements(folder: Path, rng: random.Random) -> str:
    (folder / "tags.html").write_bytes(b"<html><body>" + b"<i>x</i>" * rng.randint(500_000, 1_000_000)
                                       + b"</body></html>")
    return "tags.html"


def _deep_nesting(folder: Path, rng: random.Random) -> str:
    depth = rng.randint(300, 5000)
    para = b"<p>" + b"A paragraph of ordinary words that a reader would read in a news article. " * 3 + b"</p>"
    (folder / "deep.html").write_bytes(b"<html><body>" + b"<div>" * depth + para + b"</div>" * depth
                                       + b"</body></html>")
    return "deep.html"


def _dotted_line(folder: Path, rng: random.Random) -> str:
    (folder / "dots.txt").write_bytes(b"a." * rng.randint(2_000_000, 5_000_000))
    return "dots.txt"


def _repeated_phrase(folder: Path, rng: random.Random) -> str:
    phrase = b"buy cheap watches online today and save money on every order "
    (folder / "spam.txt").write_bytes(phrase * (rng.randint(3_000_000, 4_800_000) // len(phrase)))
    return "spam.txt"


def _deep_folder(folder: Path, rng: random.Random) -> str:
    deep = folder
    for _ in range(rng.randint(1100, 1500)):
        deep = deep / "d"
        deep.mkdir()
    (deep / "deep.txt").write_bytes(b"Kurz")
    return str((deep / "deep.txt").relative_to(folder))


def _escapes(folder: Path, rng: random.Random) -> str:
    body = "Ein Absatz mit ganz normalen Wörtern, wie ihn eine Zeitung druckt, und noch mehr Wörtern dazu. " * 4
    (folder / "escapes.txt").write_text(f"Titel \x1b]0;pwned\x07 mit \x1b[2J Escapes\n\n{body}\x1b[31m\n",
                                        encoding="utf-8")
    return "escapes.txt"


CASES: dict[str, Callable[[Path, random.Random], str]] = {
    "empty-comments": _comments, "fifo": _fifo, "link-outside": _link_out, "million-elements": _many_elements,
    "deep-nesting": _deep_nesting, "dotted-line": _dotted_line, "repeated-phrase": _repeated_phrase,
    "deep-folder": _deep_folder, "terminal-escapes": _escapes,
}


def timed(cmd: list[str], timeout: float) -> tuple[float | None, float]:
    """(seconds, or None on timeout; peak RSS in MB of the process and what it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return time.perf_counter() - start, usage.ru_maxrss / 1024
        if time.perf_counter() - start > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, usage.ru_maxrss / 1024
        time.sleep(0.02)


def leaked(db: Path) -> str:
    """What should not be in the database and is: the secret placed outside the folder (reached
    by a link), terminal escape characters; "no" when neither."""
    found: set[str] = set()
    if db.exists():
        with sqlite3.connect(db) as conn:
            tables = [t for (t,) in conn.execute("select name from sqlite_master where type='table'")]
            for table in tables:
                for row in conn.execute(f'select * from "{table}"'):  # noqa: S608 - the tables' own names
                    for value in row:
                        data = value if isinstance(value, bytes) else str(value).encode() if value else b""
                        if b"SECRET-OUTSIDE" in data:
                            found.add("secret")
                        if isinstance(value, str) and "\x1b" in value:  # text (signatures are bytes)
                            found.add("ESC")
    return "+".join(sorted(found)) or "no"


def outcome(db: Path, hostile: Path, good: Path) -> tuple[str, bool]:
    """(what was recorded for the hostile input, was the good page stored)."""
    if not db.exists():
        return "no database", False
    with sqlite3.connect(db) as conn:
        stored = {u for (u,) in conn.execute("select uri from provenance")}
        failed = dict(conn.execute("select uri, reason from failures"))
    uri = hostile.absolute().as_uri()
    said = failed.get(uri, "stored" if uri in stored else "neither (lost)")
    return said, good.absolute().as_uri() in stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a process is killed")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the sizes (default: new each run)")
    args = parser.parse_args(argv)
    names = [n for n in args.cases.split(",") if n]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    seed_page = sorted((ROOT / "seeds").glob("*.txt"))[0]
    print(f"seed {seed}; timeout {args.timeout:.0f} s")
    print(f"{'case':<18} {'newsdedup':>16} {'recorded as':<22} {'good page':<9} {'leak':<10} "
          f"{'reference':>16} {'leak':<10}")
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as tmp:
            folder = Path(tmp) / "in"
            folder.mkdir()
            hostile = folder / CASES[name](folder, rng)
            good = folder / "zz-good.txt"
            good.write_bytes(seed_page.read_bytes())
            db = Path(tmp) / "news.db"
            secs, mem = timed([sys.executable, "-m", "pipeline.cli", "-q", "ingest", str(folder),
                               *( [str(hostile)] if "." not in hostile.name else [] ),
                               "--db", f"sqlite:///{db}", "--no-progress", "--workers", "1"], args.timeout)
            said, good_stored = outcome(db, hostile, good)
            ref_db = Path(tmp) / "reference.db"
            ref_secs, ref_mem = timed([sys.executable, str(REFERENCE), str(folder), str(ref_db)], args.timeout)
            ours = f"{secs:6.1f} s {mem:5.0f} MB" if secs is not None else f"TIMEOUT {mem:5.0f} MB"
            theirs = f"{ref_secs:6.1f} s {ref_mem:5.0f} MB" if ref_secs is not None else f"TIMEOUT {ref_mem:5.0f} MB"
            print(f"{name:<18} {ours:>16} {said:<22} {'stored' if good_stored else 'LOST':<9} "
                  f"{leaked(db):<10} {theirs:>16} {leaked(ref_db):<10}",
                  flush=True)
            _remove_deep(folder)
    return 0


def _remove_deep(folder: Path) -> None:
    """Remove a folder nested deeper than shutil.rmtree can recurse, bottom up."""
    deepest = max((Path(root) for root, _, _ in _iter_dirs(folder)), key=lambda p: len(p.parts), default=folder)
    while deepest != folder.parent:
        for child in list(deepest.iterdir()) if deepest.exists() else []:
            if child.is_dir() and not child.is_symlink():
                break
            child.unlink()
        else:
            if deepest.exists():
                deepest.rmdir()
            deepest = deepest.parent
            continue
        deepest = max((Path(root) for root, _, _ in _iter_dirs(deepest)), key=lambda p: len(p.parts))


def _iter_dirs(top: Path):  # noqa: ANN202 - an iterative os.walk
    stack = [top]
    while stack:
        folder = stack.pop()
        entries = list(os.scandir(folder))
        yield folder, None, None
        stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))


if __name__ == "__main__":
    sys.exit(main())
