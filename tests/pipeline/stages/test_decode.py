"""The decode stage: character sets, gzip, and the inputs it must refuse."""

from __future__ import annotations

import gzip
import time

import pytest

from pipeline.context import RunContext
from pipeline.errors import DocumentFailed
from pipeline.items import Document
from pipeline.stages.decode import DecodeStage

TEXT = "Grüße aus Köln – „Straßenfest“ am Wochenende, Preis: 5 €"


def decode(ctx: RunContext, raw: bytes, uri: str = "file:///t/page.txt") -> Document:
    return DecodeStage(ctx).process(Document(uri=uri, raw=raw))


@pytest.mark.parametrize("raw,encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("utf-16"), "utf-16"),
    (TEXT.encode("cp1252"), "cp1252"),
])
def test_decodes_without_mojibake(ctx: RunContext, raw: bytes, encoding: str) -> None:
    doc = decode(ctx, raw)
    assert doc.text == TEXT
    assert doc.encoding == encoding


def test_latin1_bytes_that_cp1252_cannot_read_fall_back_to_latin1(ctx: RunContext) -> None:
    raw = "Grüße aus Köln".encode("latin-1") + b" \x81"
    doc = decode(ctx, raw)
    assert doc.text.startswith("Grüße aus Köln")
    assert doc.encoding == "iso8859-1"


def test_declared_charset_of_an_html_page_is_used(ctx: RunContext) -> None:
    html = '<html><head><meta charset="iso-8859-15"></head><body>Preis: 5 € – Grüße</body></html>'
    doc = decode(ctx, html.encode("iso-8859-15", errors="replace"), uri="file:///t/page.html")
    assert "5 €" in doc.text
    assert doc.is_html


def test_gzip_is_decompressed(ctx: RunContext) -> None:
    doc = decode(ctx, gzip.compress(TEXT.encode("utf-8")), uri="file:///t/page.txt.gz")
    assert doc.text == TEXT


def test_crlf_becomes_newline(ctx: RunContext) -> None:
    assert decode(ctx, b"a\r\nb\rc").text == "a\nb\nc"


def test_html_is_sniffed_when_the_name_does_not_say(ctx: RunContext) -> None:
    assert decode(ctx, b"<!DOCTYPE html><html><body>x</body></html>", uri="https://example.org/a").is_html
    assert not decode(ctx, b"plain words", uri="https://example.org/a").is_html


@pytest.mark.parametrize("raw,reason", [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"%PDF-1.7 binary", "binary"),
    (b"\x00\x01\x02\x03binary\x00stuff", "binary"),
    (b"\x1f\x8b\x08\x00garbage", "bad-gzip"),
])
def test_bad_input_fails_with_a_reason(ctx: RunContext, raw: bytes, reason: str) -> None:
    with pytest.raises(DocumentFailed) as info:
        decode(ctx, raw)
    assert info.value.reason == reason
    assert info.value.message


def test_read_errors_from_the_source_fail_here(ctx: RunContext) -> None:
    with pytest.raises(DocumentFailed) as info:
        DecodeStage(ctx).process(Document(uri="file:///nope", error=("missing", "no such file")))
    assert info.value.reason == "missing"


def test_gzip_bomb_is_refused(tmp_path) -> None:  # noqa: ANN001
    from tests.conftest import make_config
    small = RunContext(make_config("sqlite://", NEWSDEDUP_MAX_BYTES=1000))
    with pytest.raises(DocumentFailed) as info:
        DecodeStage(small).process(Document(uri="file:///t/x.txt.gz", raw=gzip.compress(b"a" * 5000)))
    assert info.value.reason == "too-large"


# --- hostile pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("head", [
    b"<!---->" * 300,                      # empty comments: once exponential (24 took > 100 s)
    b"<!-- -->\n" * 200 + b"<!-- unclosed",
    b"<!--" * 500,
    b" " * 3000,
])
def test_the_html_sniff_takes_linear_time_on_hostile_openings(ctx: RunContext, head: bytes) -> None:
    start = time.perf_counter()
    doc = decode(ctx, head + b"some text", uri="https://example.com/page")
    assert time.perf_counter() - start < 0.5
    assert doc.is_html is False


def test_comments_before_the_html_start_are_skipped(ctx: RunContext) -> None:
    assert decode(ctx, b"<!-- a -->\n<!---->  <!DOCTYPE html><p>x", uri="https://e.org/a").is_html
    assert not decode(ctx, b"<!-- <html> -->plain", uri="https://e.org/a").is_html


@pytest.mark.parametrize("raw", [
    b"<meta" * 900 + b"x",
    b"<meta charset=" + b" " * 4000,
    b"<?xml encoding=" + b"\t" * 4000 + b"\xe9",
    b'<meta charset="' + b" " * 4000 + b"\xe9",
])
def test_the_charset_search_takes_linear_time(ctx: RunContext, raw: bytes) -> None:
    start = time.perf_counter()
    decode(ctx, raw + b" \xe9t\xe9", uri="https://example.com/page")
    assert time.perf_counter() - start < 0.2


def test_utf8_with_one_bad_byte_stays_utf8(ctx: RunContext) -> None:
    good = TEXT.encode("utf-8")
    doc = decode(ctx, good[:10] + b"\xff" + good[10:])
    assert doc.encoding == "utf-8"
    assert doc.text.replace("\ufffd", "") == TEXT and doc.text.count("\ufffd") == 1


def test_windows_1252_is_not_mistaken_for_damaged_utf8(ctx: RunContext) -> None:
    # "ß“" in windows-1252 (DF 93) happens to be a valid UTF-8 sequence; the rest is not.
    text = "Die Brücke an der „Hauptstraße“ wird für Fußgänger geöffnet"
    doc = decode(ctx, text.encode("cp1252"))
    assert doc.text == text and doc.encoding == "cp1252"


def test_terminal_escapes_and_control_characters_are_removed(ctx: RunContext) -> None:
    raw = ("Titel \x1b[2J\x1b[31mrot\x1b[0m und \x1b]0;pwned\x07fertig\x08\x7f\n"
           "Zeile\tmit Tab\x0cneue Seite \x9b31mC1\n" + TEXT).encode("utf-8")
    text = decode(ctx, raw).text
    assert text == "Titel rot und fertig\nZeile\tmit Tab\nneue Seite C1\n" + TEXT


def test_html_references_to_control_characters_are_removed(ctx: RunContext) -> None:
    page = b"<html><body><p>a&#27;[2Jb &#x1B;c &#7 d &#8217; &#x2014; &#65;&#1114112;</p></body></html>"
    assert decode(ctx, page, uri="https://e.org/a").text == (
        "<html><body><p>a[2Jb c  d &#8217; &#x2014; &#65;&#1114112;</p></body></html>")
