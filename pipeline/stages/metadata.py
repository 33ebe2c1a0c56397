"""metadata: turn the lines the clean stage set aside into fields."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

import htmldate
import py3langid

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.stages.extract import DATE_FORMAT
from pipeline.text.bylines import NameParser
from pipeline.text.dates import DateFinder
from pipeline.text.lexicon import Lexicon
from pipeline.text.normalize import fold

_HOST_PORT = re.compile(r"(?<=[\w\].]):\d{1,5}$")  # a port after a host name


class MetadataStage(Stage):
    """Fills ``authors``, ``published``, ``credits``, ``outlet`` and ``language``.

    Sources, first wins: the page's own lines (bylines, author boxes, date
    lines, agency credits) as set aside by the clean stage; then, for HTML,
    trafilatura's metadata, and htmldate's extensive search for a date it missed. The outlet
    from HTML is the site's name, never its bare host or the page's own title (``_outlet_name``);
    a crawled page that names none gets its source's ``outlet`` (``sources.toml``).
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
                                       extensive_search=True, outputformat=DATE_FORMAT)
            doc.published = _parse_iso(found) if found else None
            self.count("htmldate-fallback")
        if doc.outlet is None and html.get("sitename"):
            doc.outlet = _outlet_name(str(html["sitename"]), html.get("title") or doc.title,
                                      {html.get("hostname"), _host(doc.uri)}, self.config.clean.title_min_words)
        if doc.outlet is None:
            doc.outlet = doc.source_outlet
        if doc.language is None:  # the clean stage already identified text pages
            sample = (doc.title + "\n" + doc.body_text)[: self.config.clean.language_sample_chars]
            doc.language = py3langid.classify(sample)[0] if sample.strip() else None
        for field_name in ("authors", "published", "credits", "outlet", "language"):
            if getattr(doc, field_name):
                self.count(f"found/{field_name}")
        return doc


def _outlet_name(sitename: str, title: str, hosts: set[str | None], title_min_words: int) -> str | None:
    """The outlet's name from trafilatura's site name (``og:site_name``, the publisher in JSON-LD
    or a meta tag, a part of the title naming the site): None where it is only a host
    ("www.example.com", "127.0.0.1:8080": what trafilatura falls back to), a link, or the page's own title, which
    a filter by outlet would never match (a name shorter than ``NEWSDEDUP_TITLE_MIN_WORDS`` that
    equals the title may be the outlet's: "BMJV")."""
    name = " ".join(sitename.split()).lstrip("@")
    if not name or name.startswith(("http://", "https://", "www.")) or ("/" in name and " " not in name):
        return None
    bare = {h.lower().removeprefix("www.") for h in hosts if h}
    if _HOST_PORT.sub("", name.lower()).removeprefix("www.") in bare:  # "example.com:8080" too
        return None
    if len(name.split()) >= title_min_words and fold(name) == fold(title):
        return None
    return name


def _host(uri: str) -> str | None:
    try:
        return urlsplit(uri).hostname
    except ValueError:  # a malformed address ("http://[::1")
        return None


def _web_url(uri: str) -> str | None:
    return uri if uri.startswith(("http://", "https://")) else None


def _parse_iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
