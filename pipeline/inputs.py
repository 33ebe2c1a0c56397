"""Local inputs: walk paths and read files into :class:`~pipeline.items.Document` items.

Used by the ``files`` spider and by ``newsdedup ingest`` / ``clean``. A path
that cannot be read still yields a document, with ``error`` set, so that the
failure is recorded and the run goes on.

What is read, and what is refused (a folder is hostile ground):

- only regular files: a FIFO, socket or device is recorded as ``not-a-regular-file``
  and never opened for reading (it could block for ever, or never end);
- inside a folder given, a symbolic link whose target lies outside that folder is
  recorded as ``outside-input`` and not read, unless ``follow_symlinks``
  (``NEWSDEDUP_FOLLOW_SYMLINKS``, ``--follow-symlinks``). The check is made again when
  the file is opened, so a link changed between the walk and the read is caught too;
- a path given by the user is read as given, links included.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from pipeline.items import Document
from pipeline.store.models import utcnow

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class InputFile(NamedTuple):
    """A file to read, with the reason it cannot be (if known when walking)."""

    path: Path
    error: tuple[str, str] | None = None
    root: Path | None = None  # the folder it was found in, which a link must not lead out of


def iter_files(paths: Iterable[str | os.PathLike[str]], suffixes: tuple[str, ...],
               follow_symlinks: bool = False) -> Iterator[InputFile]:
    """Each file under ``paths`` (directories recursively, sorted), with a read error if known.

    Files named directly are taken whatever their suffix; inside directories
    only names ending in one of ``suffixes`` (case-insensitive) are. Linked folders
    are walked only with ``follow_symlinks`` (each real folder once, so link cycles end).
    """
    wanted = tuple(s.lower() for s in suffixes)
    for raw in paths:
        path = Path(raw).expanduser().absolute()
        if path.is_dir():
            yield from _walk(path, wanted, follow_symlinks)
        elif path.exists() or path.is_symlink():
            yield InputFile(path)
        else:
            yield InputFile(path, ("missing", "no such file or directory"))


def _walk(top: Path, wanted: tuple[str, ...], follow_symlinks: bool) -> Iterator[InputFile]:
    """The files under ``top``, each folder's (sorted) before its sub-folders'. A loop with a
    stack, not recursion: a folder nested thousands deep must not end the run."""
    real_top = Path(os.path.realpath(top))
    seen = {real_top}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            yield InputFile(folder, ("unreadable", f"cannot list directory: {err.strerror or err}"))
            continue
        subfolders: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            if not _is_dir(entry):
                if entry.name.lower().endswith(wanted):
                    yield InputFile(path, None, None if follow_symlinks else top)
            elif follow_symlinks:  # each real folder once: link cycles end
                real = Path(os.path.realpath(path))
                if real not in seen:
                    seen.add(real)
                    subfolders.append(path)
            elif not entry.is_symlink():
                subfolders.append(path)
            else:  # not walked: a linked folder inside is walked where it lies
                real = Path(os.path.realpath(path))
                if not _inside(real, real_top):
                    yield InputFile(path, _outside(real, top, "folder"))
        stack.extend(reversed(subfolders))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # through a link too
    except OSError:
        return False


def _inside(real: Path, real_root: Path) -> bool:
    return real == real_root or real.is_relative_to(real_root)


def _outside(real: Path, root: Path, what: str) -> tuple[str, str]:
    return ("outside-input", f"a link to the {what} {real}, outside the folder {root} given; not read "
                             "(--follow-symlinks or NEWSDEDUP_FOLLOW_SYMLINKS=true reads it)")


def read_document(file: InputFile, max_bytes: int) -> Document:
    """A document for ``file``: its bytes and provenance, or the reason it cannot be read.

    ``size``, ``mtime`` and ``sha256`` describe the bytes read, even when the file changes
    while it is read."""
    path = file.path
    doc = Document(uri=path.as_uri(), fetched_at=utcnow())
    if file.error is not None:
        doc.error = file.error
        return doc
    try:
        doc.error = _open_and_read(doc, file, max_bytes)
    except FileNotFoundError:
        doc.error = ("unreadable", "cannot read: a broken link, or the file vanished")
    except PermissionError:
        doc.error = ("unreadable", "cannot read: permission denied")
    except OSError as exc:
        doc.error = ("unreadable", f"cannot read: {exc.strerror or exc}")
    if doc.error is not None:
        doc.raw = None
    elif doc.raw is not None:
        doc.sha256 = hashlib.sha256(doc.raw).hexdigest()
    return doc


def _open_and_read(doc: Document, file: InputFile, max_bytes: int) -> tuple[str, str] | None:
    """Read ``file`` into ``doc.raw``; the failure, if any. Never blocks on a FIFO, never
    leaves ``file.root`` through a link."""
    target, flags = file.path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if file.root is not None:
        target = Path(os.path.realpath(file.path))
        if not _inside(target, Path(os.path.realpath(file.root))):
            return _outside(target, file.root, "file")
        flags |= _NOFOLLOW  # the resolved path must not have become a link since
    kind = _not_regular(os.stat(target).st_mode)  # refuse devices before opening them at all
    if kind:
        return ("not-a-regular-file", f"{kind}, not a regular file; not read")
    fd = os.open(target, flags)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        kind = _not_regular(st.st_mode)
        if kind:  # it was replaced after the check above
            return ("not-a-regular-file", f"{kind}, not a regular file; not read")
        if st.st_size > max_bytes:
            doc.size = st.st_size
            return ("too-large", f"{st.st_size / 1e6:.1f} MB is over the limit of "
                                 f"{max_bytes / 1e6:.1f} MB (NEWSDEDUP_MAX_BYTES)")
        doc.raw = fh.read(max_bytes + 1)
        st = os.fstat(fd)
    doc.size = len(doc.raw)
    doc.mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc).replace(tzinfo=None)
    if len(doc.raw) > max_bytes:
        return ("too-large", f"over the limit of {max_bytes:,} bytes (NEWSDEDUP_MAX_BYTES)")
    return None


def _not_regular(mode: int) -> str:
    """What a file that is not a regular file is ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    return next((what for test, what in _KINDS if test(mode)), "a special file")


def iter_documents(paths: Iterable[str | os.PathLike[str]], suffixes: tuple[str, ...], max_bytes: int,
                   follow_symlinks: bool = False) -> Iterator[Document]:
    for file in iter_files(paths, suffixes, follow_symlinks):
        yield read_document(file, max_bytes)
