"""metadata: turn the lines the clean stage set aside into fields."""

from __future__ import annotations

from datetime import datetime

import htmldate
import py3langid

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.text.bylines import NameParser
from pipeline.text.dates import DateFinder
from pipeline.text.lexicon import Lexicon


class MetadataStage(Stage):
    """Fills ``authors``, ``published``, ``credits``, ``outlet`` and ``language``.

    Sources, first wins: the page's own lines (bylines, author boxes, date
    lines, agency credits) as set aside by the clean stage; then, for HTML,
    trafilatura's metadata, and htmldate's extensive search for a date it missed.
    Language: as the clean stage identified it for a text page, else from the title
    and body (py3langid). Drops nothing.
    """

    name = "metadata"
    parallel = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        lexicon = Lexicon.load(ctx.config.clean.lexicon_languages, ctx.config.clean.lexicon_max_words)
        self.dates = DateFinder(lexicon)
        self.names = NameParser(lexicon)

    def process(self, doc: Document) -> Document:
        html = doc.html_meta
        authors: list[str] = []
        for kind, text in doc.meta_lines:
            if kind == "author":
                authors.extend(n for n in self.names.split(text) if n not in authors)
            elif kind == "credit" and text not in doc.credits:
                doc.credits.append(text)
            elif kind == "date" and doc.published is None:
                found = self.dates.find(text)
                doc.published = found.value if found else None
            elif kind == "outlet" and doc.outlet is None:
                doc.outlet = text
        if not authors and html.get("author"):
            authors = [a.strip() for a in str(html["author"]).split(";") if a.strip()]
        doc.authors = authors
        if doc.published is None and html.get("date"):
            doc.published = _parse_iso(str(html["date"]))
        if doc.published is None and doc.is_html and doc.text:
            found = htmldate.find_date(doc.text, url=_web_url(doc.uri), original_date=True,
                                       extensive_search=True)
            doc.published = _parse_iso(found) if found else None
            self.count("htmldate-fallback")
        if doc.outlet is None and html.get("sitename"):
            doc.outlet = str(html["sitename"])
        if doc.language is None:  # the clean stage already identified text pages
            sample = (doc.title + "\n" + doc.body_text)[: self.config.clean.language_sample_chars]
            doc.language = py3langid.classify(sample)[0] if sample.strip() else None
        for field_name in ("authors", "published", "credits", "outlet", "language"):
            if getattr(doc, field_name):
                self.count(f"found/{field_name}")
        return doc


def _web_url(uri: str) -> str | None:
    return uri if uri.startswith(("http://", "https://")) else None


def _parse_iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
