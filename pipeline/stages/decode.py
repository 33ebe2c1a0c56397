"""decode: raw bytes to text, with the right character set and no mojibake."""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib

from pipeline.items import Document
from pipeline.stages.base import Stage

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
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Browsers (WHATWG) read these labels as windows-1252; so do we.
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "ascii": "cp1252", "us-ascii": "cp1252", "iso8859-1": "cp1252"}
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")


class DecodeStage(Stage):
    """Turns the document's bytes into text.

    Keeps: gzip-compressed input (decompressed up to ``NEWSDEDUP_MAX_BYTES``);
    text in UTF-8 (with or without BOM), UTF-16/32 with BOM, the charset an
    HTML page declares, windows-1252 and latin-1, tried in that order.
    Sets ``encoding``, ``text`` (newlines normalised) and ``is_html``.

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
        text, encoding = self.decode_bytes(data)
        doc.text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        doc.encoding = encoding
        doc.is_html = self._looks_like_html(doc.uri, data)
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
    def decode_bytes(data: bytes) -> tuple[str, str]:
        """Decode ``data``: BOM, UTF-8, declared charset, windows-1252, then latin-1."""
        for bom, codec in _BOMS:
            if data.startswith(bom):
                return data.decode(codec, errors="replace"), codec.replace("-sig", "")
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
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
        return bool(_HTML_START.match(data[:2048]))
