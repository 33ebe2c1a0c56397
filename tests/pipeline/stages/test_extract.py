"""The extract stage: trafilatura for HTML, lines for text."""

from __future__ import annotations

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.clean import CleanStage
from pipeline.stages.decode import DecodeStage
from pipeline.stages.extract import ExtractStage

PARA = ("The harbour authority on Monday approved a long-delayed plan to expand the northern "
        "container terminal, clearing the way for construction to begin next spring.")
HTML = f"""<html><head><title>Harbour plan approved | The Coast Times</title>
<meta name="author" content="Margaret Hollis"><meta property="article:published_time" content="2024-03-04">
</head><body><nav><a href="/">Home</a><a href="/world">World</a></nav>
<article><h1>Harbour plan approved</h1><p>{PARA}</p><p>{PARA.replace('Monday', 'Tuesday')}</p>
<p>Advertisement</p></article><footer>All rights reserved</footer></body></html>"""


def test_html_goes_through_trafilatura_with_metadata(ctx: RunContext) -> None:
    doc = ExtractStage(ctx).process(Document(uri="file:///t/a.html", text=HTML, is_html=True))
    assert any(PARA in line for line in doc.lines)
    assert not any("Home" == line for line in doc.lines)
    assert doc.html_meta["author"] == "Margaret Hollis"
    assert doc.html_meta["date"] == "2024-03-04"


def test_html_then_clean_keeps_article_drops_noise(ctx: RunContext) -> None:
    doc = ExtractStage(ctx).process(Document(uri="file:///t/a.html", text=HTML, is_html=True))
    doc = CleanStage(ctx).process(doc)
    assert doc.title == "Harbour plan approved"
    assert doc.body[0] == PARA
    assert "Advertisement" not in doc.body_text


def test_text_is_split_into_lines_as_it_is(ctx: RunContext) -> None:
    doc = ExtractStage(ctx).process(Document(uri="file:///t/a.txt", text="a\n\nb"))
    assert doc.lines == ["a", "", "b"]


def test_references_to_control_characters_neither_reach_the_text_nor_break_extraction(ctx: RunContext) -> None:
    hostile = (HTML.replace("Margaret Hollis", "Margaret Hollis&#7;")
               .replace("<p>Advertisement</p>", f"<p>&#x1b;]0;owned&#7;{PARA}&#27;[31m</p>"))
    doc = DecodeStage(ctx).process(Document(uri="file:///t/a.html", raw=hostile.encode()))
    doc = ExtractStage(ctx).process(doc)
    assert PARA in "\n".join(doc.lines)
    assert not any(ch in "\n".join(doc.lines) for ch in "\x1b\x07")
    assert doc.html_meta["author"] == "Margaret Hollis"
