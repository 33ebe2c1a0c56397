"""extract: a page to lines of text; HTML through trafilatura, plain text as it is."""

from __future__ import annotations

import logging

import trafilatura

from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.text.controls import strip_controls

# trafilatura logs every page it finds too short; that is our clean stage's call to make.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class ExtractStage(Stage):
    """Splits the decoded text into ``lines``.

    HTML: trafilatura finds the main content (comments excluded, tables kept)
    and its metadata (title, author, date, site name), stored in
    ``html_meta`` for the metadata stage. When trafilatura finds no main
    content, the page's visible text is used as a text page instead.
    Plain text: the lines as they are. Character references to control characters
    (``&#27;``) come out of the HTML parser as those characters: they are removed here,
    as the decode stage removes them from the page.

    Drops nothing; an empty page is failed later by the clean stage.
    """

    name = "extract"

    def process(self, doc: Document) -> Document:
        text = doc.text or ""
        if doc.is_html:
            result = trafilatura.bare_extraction(
                text, url=doc.uri, with_metadata=True, include_comments=False,
                include_tables=True,
            )
            if result is not None and (result.text or "").strip():
                doc.lines = strip_controls(result.text).split("\n")
                meta = {"title": result.title, "author": result.author, "date": result.date,
                        "sitename": result.sitename, "language": result.language}
                doc.html_meta = {key: strip_controls(value) if isinstance(value, str) else value
                                 for key, value in meta.items()}
                self.count("html/trafilatura")
                return doc
            self.count("html/visible-text")
            text = strip_controls(trafilatura.html2txt(text) or "")
        doc.lines = text.split("\n")
        return doc
