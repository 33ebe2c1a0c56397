"""decode: raw bytes to text, with the right character set and no mojibake."""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib

from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.text.controls import strip_control_references, strip_controls

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x7fELF": "an executable",
}
# Each run is bounded by the next "<" or ">", and no two neighbouring runs match the same
# characters, so a search costs time linear in the input (no backtracking blow-up).
_DECLARED = re.compile(
    rb"""<meta[^<>]*?charset\s*=\s*(?:["']\s*)?([a-zA-Z0-9_.:-]+)"""
    rb"""|<\?xml[^<>]*?encoding\s*=\s*(?:["']\s*)?([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Browsers (WHATWG) read these labels as windows-1252; so do we.
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "ascii": "cp1252", "us-ascii": "cp1252", "iso8859-1": "cp1252"}
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_HTML_SNIFF_BYTES = 2048  # how far into an unnamed file the HTML start is looked for
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")


class DecodeStage(Stage):
    """Turns the document's bytes into text.

    Keeps: gzip-compressed input (decompressed up to ``NEWSDEDUP_MAX_BYTES``);
    text in UTF-8 (with or without BOM), UTF-16/32 with BOM, the charset an
    HTML page declares, windows-1252 and latin-1, tried in that order (UTF-8 with
    a few bad bytes is UTF-8 with those replaced: ``NEWSDEDUP_UTF8_MAX_BAD_SHARE``).
    Sets ``encoding``, ``is_html`` and ``text``: newlines normalised; terminal escape
    sequences and control characters removed (in HTML, the references to them too), so
    that no stored text can drive a terminal.

    Fails: what the source could not read (``missing``, ``unreadable``,
    ``too-large``), ``empty`` files, ``binary`` content (NUL or control bytes,
    known binary formats) and ``bad-gzip``.
    """

    name = "decode"

    def process(self, doc: Document) -> Document:
        if doc.error is not None:
            self.fail(*doc.error)
        data = doc.raw or b""
        if data[:2] == b"\x1f\x8b":
            data = self._gunzip(data)
        if not data.strip():
            self.fail("empty", "the file is empty" if not data else "the file holds only white space")
        self._refuse_binary(data)
        text, encoding = self.decode_bytes(data, self.config.utf8_max_bad_share)
        doc.text = strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
        doc.encoding = encoding
        doc.is_html = self._looks_like_html(doc.uri, data)
        if doc.is_html:
            doc.text = strip_control_references(doc.text)
        self.count(f"encoding/{encoding}")
        return doc

    def _gunzip(self, data: bytes) -> bytes:
        limit = self.config.max_bytes
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                out = fh.read(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            self.fail("bad-gzip", f"cannot decompress gzip data: {exc}")
        if len(out) > limit:
            self.fail("too-large", f"decompresses to more than {limit:,} bytes "
                                   "(NEWSDEDUP_MAX_BYTES)")
        return out

    def _refuse_binary(self, data: bytes) -> None:
        for magic, what in _MAGIC.items():
            if data.startswith(magic):
                self.fail("binary", f"binary content: this looks like {what}, not a text or HTML page")
        head = data[:8192]
        if any(head.startswith(bom) for bom, _ in _BOMS):
            return  # UTF-16/32 hold NUL bytes by design
        if b"\x00" in head or len(_CONTROL.findall(head)) > len(head) * 0.05:
            self.fail("binary", "binary content: NUL or control bytes found, not a text or HTML page")

    @staticmethod
    def decode_bytes(data: bytes, utf8_max_bad_share: float = 0.0) -> tuple[str, str]:
        """Decode ``data``: BOM, UTF-8, declared charset, windows-1252, then latin-1.

        UTF-8 with a few bad bytes (at most ``utf8_max_bad_share`` of its non-ASCII
        characters, ``NEWSDEDUP_UTF8_MAX_BAD_SHARE``) is UTF-8 with those bytes replaced:
        one stray byte must not turn every "ü" of a UTF-8 file into "Ã¼"."""
        for bom, codec in _BOMS:
            if data.startswith(bom):
                return data.decode(codec, errors="replace"), codec.replace("-sig", "")
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        repaired = _mostly_utf8(data, utf8_max_bad_share)
        if repaired is not None:
            return repaired, "utf-8"
        declared = _DECLARED.search(data[:4096])
        if declared:
            label = (declared.group(1) or declared.group(2)).decode("ascii").lower()
            codec = _WHATWG_ALIASES.get(label, label)
            try:
                return data.decode(codec), codecs.lookup(codec).name
            except (LookupError, UnicodeDecodeError):
                pass
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "iso8859-1"

    @staticmethod
    def _looks_like_html(uri: str, data: bytes) -> bool:
        path = uri.lower().removesuffix(".gz")
        if path.endswith((".html", ".htm")):
            return True
        if path.endswith(".txt"):
            return False
        return starts_like_html(data[:_HTML_SNIFF_BYTES])


def starts_like_html(head: bytes) -> bool:
    """True when ``head`` opens with ``<!doctype html>``, ``<html>``, ``<head>`` or ``<body>``,
    after white space and HTML comments. A loop, not a regex: many empty comments
    (``<!---->`` repeated) once made a regex take minutes."""
    pos = 0
    while True:
        while pos < len(head) and head[pos] in b" \t\n\r\f\v":
            pos += 1
        if not head.startswith(b"<!--", pos):
            return _HTML_TAG.match(head, pos) is not None
        end = head.find(b"-->", pos + 4)
        if end < 0:
            return False
        pos = end + 3


def _mostly_utf8(data: bytes, max_bad_share: float) -> str | None:
    """``data`` as UTF-8 with its bad bytes replaced, if they are few beside valid non-ASCII
    characters; else None."""
    if max_bad_share <= 0:
        return None
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    valid = non_ascii - bad
    return text if valid > 0 and bad <= max_bad_share * non_ascii else None
