"""The extract stage: trafilatura for HTML, lines for text; the per-document budget."""

from __future__ import annotations

import signal
import threading
import time
import tracemalloc

import pytest

from pipeline.context import RunContext
from pipeline.errors import DocumentFailed
from pipeline.items import Document
from pipeline.stages.base import time_budget
from pipeline.stages.clean import CleanStage
from pipeline.stages.decode import DecodeStage
from pipeline.stages.extract import ExtractStage
from tests.conftest import PAGES, SEEDS, make_config

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
    assert doc.html_meta["date"] == "2024-03-04T00:00:00"  # (a day only: no time, no zone)


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


# --- the per-document budget (issue 15) -----------------------------------------------------

def budget_ctx(**overrides: object) -> RunContext:
    return RunContext(make_config("sqlite://", **overrides), offline=True)


def too_complex(stage: ExtractStage, doc: Document) -> tuple[str, float]:
    """The message of the stage's ``too-complex`` failure on ``doc``, and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(DocumentFailed) as failed:
        stage.process_item(doc)
    assert failed.value.reason == "too-complex"
    return failed.value.message, time.perf_counter() - start


def test_a_million_tags_are_refused_before_parsing_in_little_time_and_memory() -> None:
    page = "<html><body>" + "<i>x</i>" * 1_000_000 + "</body></html>"  # took 190 s and 1.1 GB
    stage = ExtractStage(budget_ctx())
    tracemalloc.start()
    try:
        message, seconds = too_complex(stage, Document(uri="file:///t/a.html", text=page, is_html=True))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "NEWSDEDUP_MAX_HTML_TAGS" in message and "2,000,004 tags" in message
    assert seconds < 1.0
    assert peak < 20_000_000


def nested(levels: int) -> str:
    return f"<html><body>{'<div>' * levels}<p>{PARA}</p><p>{PARA}</p>{'</div>' * levels}</body></html>"


def test_a_page_nested_deeper_than_the_parser_reads_is_too_complex_not_empty() -> None:
    stage = ExtractStage(budget_ctx())
    message, _ = too_complex(stage, Document(uri="file:///t/a.html", text=nested(300), is_html=True))
    assert message == "the page is nested deeper than 250 levels (NEWSDEDUP_MAX_HTML_DEPTH)"
    doc = stage.process_item(Document(uri="file:///t/a.html", text=nested(120), is_html=True))
    assert PARA in doc.lines  # 123 levels: under the limit, read in full


@pytest.mark.parametrize("text,setting", [
    ("x" * 5000, "NEWSDEDUP_MAX_TEXT_CHARS"),
    ("\n" * 3000, "NEWSDEDUP_MAX_TEXT_LINES"),
])
def test_text_over_the_budget_is_too_complex_and_names_the_setting(text: str, setting: str) -> None:
    stage = ExtractStage(budget_ctx(NEWSDEDUP_MAX_TEXT_CHARS=4000, NEWSDEDUP_MAX_TEXT_LINES=2000))
    message, _ = too_complex(stage, Document(uri="file:///t/a.txt", text=text))
    assert message.endswith(f"({setting})")
    html = f"<html><body><article>{''.join(f'<p>{PARA} {i}</p>' for i in range(40))}</article></body></html>"
    message, _ = too_complex(stage, Document(uri="file:///t/a.html", text=html, is_html=True))  # extracted text
    assert message.endswith("(NEWSDEDUP_MAX_TEXT_CHARS)")


def test_a_page_that_takes_longer_than_its_time_budget_is_stopped() -> None:
    stage = ExtractStage(budget_ctx(NEWSDEDUP_DOCUMENT_SECONDS=0.3))
    page = "<html><body>" + "<i>x</i>" * 25_000 + "</body></html>"  # under the tag limit; seconds to extract
    message, seconds = too_complex(stage, Document(uri="file:///t/a.html", text=page, is_html=True))
    assert message == "the extract stage took longer than 0.3 s on it (NEWSDEDUP_DOCUMENT_SECONDS)"
    assert seconds < 1.5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the timer is gone, the handler restored
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    doc = stage.process_item(Document(uri="file:///t/a.html", text=HTML, is_html=True))  # the next page is read
    assert any(PARA in line for line in doc.lines)


def test_outside_the_main_thread_there_is_no_timer_but_the_size_limits_hold() -> None:
    stage = ExtractStage(budget_ctx(NEWSDEDUP_DOCUMENT_SECONDS=0.3))
    seen: list[object] = []

    def run() -> None:
        with time_budget(0.3) as timed:
            seen.append(timed)
        try:
            stage.process_item(Document(uri="file:///t/a.html", text="<i>x</i>" * 200_000, is_html=True))
        except DocumentFailed as exc:
            seen.append(exc.message)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen[0] is False and "NEWSDEDUP_MAX_HTML_TAGS" in str(seen[1])


def test_real_pages_are_within_the_budget(ctx: RunContext) -> None:
    for path in sorted(PAGES.iterdir()) + sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert ExtractStage(ctx).process(Document(uri=path.as_uri(), text=text)).lines
