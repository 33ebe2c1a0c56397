"""The item every stage reads and fills in: one :class:`Document` per input page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class LineVerdict:
    """What the clean stage decided for one line of a page (shown by ``clean --explain``)."""

    text: str
    kept: bool
    reason: str  # "body", "title", or why it was dropped ("ad", "before-title", "meta:date", ...)


@dataclass(repr=False)
class Document:
    """One input document on its way through the stages.

    Set by the source (spider): ``uri`` to ``error``. Each stage fills the
    fields under its name and nothing else.
    """

    # source: where the bytes came from (provenance)
    uri: str
    raw: bytes | None = None
    fetched_at: datetime | None = None
    size: int | None = None
    mtime: datetime | None = None
    sha256: str | None = None
    # A read error found by the source (missing, unreadable, too large): (reason, message).
    error: tuple[str, str] | None = None
    # crawled pages only (stored in ``fetches``): the HTTP status, the URL the page declares
    # for itself, the feed/sitemap/page that linked it, and the validators for re-fetching
    status: int | None = None
    canonical_url: str | None = None
    found_in: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # crawled pages of a named source: the outlet of its pages that name none (sources.toml)
    source_outlet: str | None = None

    # decode
    encoding: str | None = None
    text: str | None = None
    is_html: bool = False

    # extract: the page as lines; HTML also yields metadata here
    lines: list[str] = field(default_factory=list)
    html_meta: dict[str, Any] = field(default_factory=dict)

    # recurring: keys (normalize.letters_key) of lines the source repeats across documents
    recurring: set[str] = field(default_factory=set)
    # ...and of its prose lines the source repeats that were kept (they may be a story's, copied
    # across a folder): no evidence that this document copies another of the source's
    repeated: set[str] = field(default_factory=set)

    # clean
    title: str = ""
    body: list[str] = field(default_factory=list)  # paragraphs of article text
    meta_lines: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    verdicts: list[LineVerdict] = field(default_factory=list)

    # metadata (language: set by clean for text pages, else by metadata)
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    credits: list[str] = field(default_factory=list)
    outlet: str | None = None

    # fingerprint
    text_hash: str | None = None
    signature: Any = None  # datasketch MinHash
    tokens: Any = None  # the body's words for alignment (pipeline.dedup.alignment.Tokens)
    match_tokens: Any = None  # ...without the ``repeated`` lines: what is matched with candidates
    furniture_only: bool = False  # fewer than NEWSDEDUP_MIN_TEXT_WORDS words outside ``repeated`` lines
    bands: list[int] = field(default_factory=list)  # the signature's LSH band keys (pipeline.dedup.bands)
    openings: list[str] = field(default_factory=list)  # keys of the first paragraphs' openings (teasers)
    lead: str | None = None  # the key of how the text opens (pipeline.dedup.relations.lead_key)
    word_count: int = 0

    # dedup
    article_id: str | None = None
    relation: str | None = None  # original / exact / near / update / contained
    similarity: float | None = None
    replaces_canonical: bool = False  # this document becomes its story's canonical text

    def __repr__(self) -> str:  # Scrapy logs items; never dump the raw bytes
        size = f"{len(self.raw)} bytes" if self.raw is not None else "no bytes"
        return f"<Document {self.uri} ({size}) relation={self.relation} article={self.article_id}>"

    @property
    def body_text(self) -> str:
        """The article text: paragraphs joined by blank lines, without the title."""
        return "\n\n".join(self.body)
