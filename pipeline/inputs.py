"""Local inputs: walk paths and read files into :class:`~pipeline.items.Document` items.

Used by the ``files`` spider and by ``newsdedup ingest`` / ``clean``. A path
that cannot be read still yields a document, with ``error`` set, so that the
failure is recorded and the run goes on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from pipeline.items import Document
from pipeline.store.models import utcnow


def iter_files(paths: Iterable[str | os.PathLike[str]], suffixes: tuple[str, ...]) -> Iterator[tuple[Path, tuple[str, str] | None]]:
    """Each file under ``paths`` (directories recursively, sorted), with a read error if known.

    Files named directly are taken whatever their suffix; inside directories
    only names ending in one of ``suffixes`` (case-insensitive) are.
    """
    wanted = tuple(s.lower() for s in suffixes)
    for raw in paths:
        path = Path(raw).expanduser().absolute()
        if path.is_dir():
            errors: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=errors.append):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(wanted):
                        yield Path(root) / name, None
            for err in errors:
                yield Path(err.filename or path), ("unreadable", f"cannot list directory: {err.strerror}")
        elif path.exists() or path.is_symlink():
            yield path, None
        else:
            yield path, ("missing", "no such file or directory")


def read_document(path: Path, max_bytes: int, error: tuple[str, str] | None = None) -> Document:
    """A document for ``path``: its bytes and provenance, or the reason it cannot be read."""
    doc = Document(uri=path.as_uri(), fetched_at=utcnow())
    if error is not None:
        doc.error = error
        return doc
    try:
        st = path.stat()
        doc.size = st.st_size
        doc.mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc).replace(tzinfo=None)
        if path.is_dir():
            doc.error = ("unreadable", "is a directory")
        elif st.st_size > max_bytes:
            doc.error = ("too-large", f"{st.st_size / 1e6:.1f} MB is over the limit of "
                                      f"{max_bytes / 1e6:.1f} MB (NEWSDEDUP_MAX_BYTES)")
        else:
            with path.open("rb") as fh:
                doc.raw = fh.read(max_bytes + 1)
            if len(doc.raw) > max_bytes:
                doc.raw, doc.error = None, ("too-large", f"over the limit of {max_bytes:,} bytes")
    except FileNotFoundError:
        doc.error = ("unreadable", "cannot read: a broken link, or the file vanished")
    except PermissionError:
        doc.error = ("unreadable", "cannot read: permission denied")
    except OSError as exc:
        doc.error = ("unreadable", f"cannot read: {exc.strerror or exc}")
    if doc.raw is not None:
        doc.sha256 = hashlib.sha256(doc.raw).hexdigest()
    return doc


def iter_documents(paths: Iterable[str | os.PathLike[str]], suffixes: tuple[str, ...], max_bytes: int) -> Iterator[Document]:
    for path, error in iter_files(paths, suffixes):
        yield read_document(path, max_bytes, error)
