"""extract: a page to lines of text; HTML through trafilatura, plain text as it is."""

from __future__ import annotations

import logging

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from pipeline.items import Document
from pipeline.stages.base import Stage

# htmldate (through trafilatura) gives a page's date with its time and time zone where the page has
# them ("2024-05-01T08:15:00+0200"; "2024-05-01T00:00:00" where it has a day only).
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# trafilatura logs every page it finds too short; that is our clean stage's call to make.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class ExtractStage(Stage):
    """Splits the decoded text into ``lines``.

    HTML: trafilatura finds the main content (comments excluded, tables kept)
    and its metadata (title, author, date, site name), stored in
    ``html_meta`` for the metadata stage. When trafilatura finds no main
    content, the page's visible text is used as a text page instead.
    Plain text: the lines as they are. (The decode stage has removed control characters,
    and the HTML references to them, so the parser makes none.)

    Fails, as ``too-complex`` (the message names the limit and its setting), a page over the
    per-document budget: more tags than ``NEWSDEDUP_MAX_HTML_TAGS`` (counted before parsing),
    nested deeper than ``NEWSDEDUP_MAX_HTML_DEPTH``, more text than ``NEWSDEDUP_MAX_TEXT_CHARS``
    or ``NEWSDEDUP_MAX_TEXT_LINES``, or longer than ``NEWSDEDUP_DOCUMENT_SECONDS`` to extract.
    Drops nothing else; an empty page is failed later by the clean stage.
    """

    name = "extract"
    budgeted = True

    def process(self, doc: Document) -> Document:
        text = doc.text or ""
        if doc.is_html:
            tree = self._parse(text)
            result = trafilatura.bare_extraction(
                tree, url=doc.uri, with_metadata=True, include_comments=False,
                include_tables=True, date_extraction_params={**set_date_params(True), "outputformat": DATE_FORMAT},
            ) if tree is not None else None
            if result is not None and (result.text or "").strip():
                self._check_text(result.text)
                doc.lines = result.text.split("\n")
                doc.html_meta = {
                    "title": result.title, "author": result.author, "date": result.date,
                    "sitename": result.sitename, "language": result.language,
                    "hostname": result.hostname,  # (the host trafilatura read, to tell a name from it)
                }
                self.count("html/trafilatura")
                return doc
            self.count("html/visible-text")
            text = trafilatura.html2txt(text) or ""
        self._check_text(text)
        doc.lines = text.split("\n")
        return doc

    def _parse(self, html: str) -> HtmlElement | None:
        """The page's tree (trafilatura's parser), once its size is known to be within the budget."""
        budget = self.config.budget
        tags = html.count("<")  # a cheap upper bound of the elements, before any parsing
        if tags > budget.max_html_tags:
            self.fail("too-complex", f"the page holds {tags:,} tags, more than {budget.max_html_tags:,} "
                                     "(NEWSDEDUP_MAX_HTML_TAGS)")
        tree = load_html(html)
        # An element that deep means the page is nested deeper than the limit (the parser stops
        # reading at 256 levels and drops the rest of the page: it would come out without text).
        if tree is not None and tree.xpath("boolean(/" + "/".join(["*"] * (budget.max_html_depth + 1)) + ")"):
            self.fail("too-complex", f"the page is nested deeper than {budget.max_html_depth} levels "
                                     "(NEWSDEDUP_MAX_HTML_DEPTH)")
        return tree

    def _check_text(self, text: str) -> None:
        """Fail a text the clean stage could not clean in bounded time and memory."""
        budget = self.config.budget
        if len(text) > budget.max_text_chars:
            self.fail("too-complex", f"its text holds {len(text):,} characters, more than "
                                     f"{budget.max_text_chars:,} (NEWSDEDUP_MAX_TEXT_CHARS)")
        lines = text.count("\n") + 1
        if lines > budget.max_text_lines:
            self.fail("too-complex", f"its text holds {lines:,} lines, more than {budget.max_text_lines:,} "
                                     "(NEWSDEDUP_MAX_TEXT_LINES)")
