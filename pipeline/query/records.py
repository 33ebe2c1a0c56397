"""Reading the database: search, articles with their sources, stories, counts, exports.

Every function takes a SQLAlchemy session and returns typed, frozen records (their
``to_dict()`` is what ``--json``, ``export`` and the web API print). Filters are one
:class:`Filters` object, shared by search, clusters and export. Everything is
parameterised: user input only ever reaches the database as bound values.
:class:`pipeline.query.api.NewsDB` wraps these for notebooks.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload

from pipeline.errors import QueryError
from pipeline.query.search import (
    SNIPPET_ELLIPSIS,
    SNIPPET_END,
    SNIPPET_START,
    SNIPPET_WORDS,
    TITLE_WEIGHT,
    Node,
    parse_query,
    to_fts5,
    to_tsquery,
    without_stopwords,
)
from pipeline.store.database import Database
from pipeline.store.fulltext import PG_CONFIGS, fold, pg_config_sql, stopwords
from pipeline.store.models import Article, Failure, Provenance, Run

EXPORT_BATCH = 500
CLUSTER_MIN_SOURCES = 2  # what ``clusters`` lists when no min_sources is given: stories with copies
MAX_COUNT = 2**31 - 1  # the largest limit or min_sources a query takes: every database's integer holds it


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """One document (page or file) that carried a story, and how it relates to the canonical text."""

    uri: str
    fetched_at: datetime
    relation: str  # original / exact / near / update / contained
    similarity: float
    title: str
    content_sha256: str
    credits: tuple[str, ...]
    outlet: str | None
    http_status: int | None  # crawled pages only (else None): the fetch's provenance
    canonical_url: str | None
    found_in: str | None

    @classmethod
    def of(cls, p: Provenance) -> Source:
        f = p.fetch
        return cls(p.uri, p.fetched_at, p.relation, p.similarity, p.title, p.content_sha256, tuple(p.credits or ()),
                   p.outlet, f.status if f else None, f.canonical_url if f else None, f.found_in if f else None)

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "fetched_at": _iso(self.fetched_at), "relation": self.relation,
                "similarity": self.similarity, "title": self.title, "content_sha256": self.content_sha256,
                "credits": list(self.credits), "outlet": self.outlet, "http_status": self.http_status,
                "canonical_url": self.canonical_url, "found_in": self.found_in}


@dataclass(frozen=True)
class ArticleRecord:
    """A canonical article with every source that carried it, oldest first."""

    id: str
    title: str
    text: str
    authors: tuple[str, ...]
    published: datetime | None
    language: str | None
    credits: tuple[str, ...]
    outlet: str | None
    first_seen: datetime
    sources: tuple[Source, ...]

    @classmethod
    def of(cls, a: Article, sources: list[Provenance]) -> ArticleRecord:
        return cls(a.id, a.title, a.text, tuple(a.authors or ()), a.published_at, a.language, tuple(a.credits or ()),
                   a.outlet, a.first_seen, tuple(Source.of(p) for p in sources))

    def to_dict(self) -> dict[str, Any]:
        """The export record: the contract of ``newsdedup export``."""
        return {"id": self.id, "title": self.title, "text": self.text, "authors": list(self.authors),
                "published": _iso(self.published), "language": self.language, "credits": list(self.credits),
                "outlet": self.outlet, "first_seen": _iso(self.first_seen),
                "sources": [s.to_dict() for s in self.sources]}


@dataclass(frozen=True)
class Hit:
    """A search result: the article, why it matched (a snippet, words marked «so»), its reach."""

    id: str
    title: str
    snippet: str
    score: float  # higher is better; comparable within one search only
    sources: int
    first_seen: datetime
    published: datetime | None
    language: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "snippet": self.snippet, "score": round(self.score, 4),
                "sources": self.sources, "first_seen": _iso(self.first_seen), "published": _iso(self.published),
                "language": self.language}


@dataclass(frozen=True)
class Cluster:
    """A story carried by several documents."""

    id: str
    title: str
    sources: int
    relations: Mapping[str, int]
    first_seen: datetime
    canonical_uri: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "sources": self.sources, "relations": dict(self.relations),
                "first_seen": _iso(self.first_seen), "canonical_uri": self.canonical_uri}


@dataclass(frozen=True)
class Stats:
    articles: int
    documents: int
    relations: Mapping[str, int]
    duplicates_ratio: float  # share of documents that were further copies of a story: 1 - articles / documents
    outlets: Mapping[str, int]  # documents per web host ("(local files)" for files), most first
    failures: int
    failure_reasons: Mapping[str, int]
    runs: tuple[dict[str, Any], ...]  # the latest runs, newest first

    def to_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "documents": self.documents, "relations": dict(self.relations),
                "duplicates_ratio": round(self.duplicates_ratio, 4), "outlets": dict(self.outlets),
                "failures": self.failures, "failure_reasons": dict(self.failure_reasons), "runs": list(self.runs)}


# --- filters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What to keep, for search, clusters and export. Dates are inclusive; ``None`` = no limit.

    ``domain`` keeps stories that a page on that host (or a subdomain; ``host:port`` for one
    port) carried; ``outlet``
    matches the outlet name found on the pages (case-insensitive, part of it is enough);
    ``author`` likewise, among the article's authors; ``min_sources`` keeps stories carried by
    at least that many documents (``clusters`` reads ``None`` as :data:`CLUSTER_MIN_SOURCES`)."""

    published_from: datetime | None = None
    published_to: datetime | None = None
    seen_from: datetime | None = None
    seen_to: datetime | None = None
    domain: str | None = None
    outlet: str | None = None
    language: str | None = None
    min_sources: int | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        """Refuse what no database can compare: a NUL or a lone surrogate in a text, a count out
        of range (:class:`QueryError`, before any SQL)."""
        for name in ("domain", "outlet", "language", "author"):
            check_text(name, getattr(self, name))
        if self.min_sources is not None:
            check_count("min_sources", self.min_sources)

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """SQL conditions on ``articles`` (all values bound)."""
        out: list[ColumnElement[bool]] = []
        for col, low, high in ((Article.published, self.published_from, self.published_to),
                               (Article.first_seen, self.seen_from, self.seen_to)):
            if low is not None:
                out.append(col >= low)
            if high is not None:
                out.append(col <= high)
        if self.language:
            out.append(Article.language == self.language.lower())
        if self.min_sources is not None and self.min_sources > 1:
            out.append(_source_count() >= self.min_sources)
        if self.domain:
            host = self.domain.lower().strip().strip("/")
            pages = [Provenance.uri.like(pattern, escape="\\") for pattern in _host_patterns(host)]
            out.append(_carried_by(or_(*pages)))
        if self.outlet:
            pattern = f"%{_escape_like(self.outlet.lower())}%"
            out.append(or_(func.lower(Article.outlet).like(pattern, escape="\\"),
                           _carried_by(func.lower(Provenance.outlet).like(pattern, escape="\\"))))
        if self.author:
            out.append(_author_condition(dialect, self.author))
        return out


def check_text(name: str, value: str | None) -> None:
    """:class:`QueryError` for a text value that cannot reach a database as it is: a NUL
    character (PostgreSQL refuses it) or bytes that were not UTF-8 (lone surrogates)."""
    if value is None:
        return
    if not isinstance(value, str):
        raise QueryError(f"{name} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise QueryError(f"{name} contains a NUL character (\\x00): no stored text has one")
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise QueryError(f"{name} is not valid UTF-8 text")


def check_count(name: str, value: int, least: int = 1) -> None:
    """:class:`QueryError` unless ``least <= value <= MAX_COUNT`` (a whole number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(f"{name} must be a whole number, not {value!r}")
    if not least <= value <= MAX_COUNT:
        raise QueryError(f"{name} must be between {least} and {MAX_COUNT}, not {value}")


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _host_patterns(host: str) -> list[str]:
    h = _escape_like(host)
    return [f"http%://{h}/%", f"http%://{h}:%", f"http%://%.{h}/%", f"http%://%.{h}:%"]


def _author_condition(dialect: str, author: str) -> ColumnElement[bool]:
    pattern = bindparam("author_pattern", f"%{_escape_like(author.lower())}%")
    if dialect == "postgresql":
        clause = text("EXISTS (SELECT 1 FROM json_array_elements_text(articles.authors) AS a(name) "
                      "WHERE lower(a.name) LIKE :author_pattern ESCAPE '\\')")
    else:
        clause = text("EXISTS (SELECT 1 FROM json_each(articles.authors) "
                      "WHERE lower(json_each.value) LIKE :author_pattern ESCAPE '\\')")
    return clause.bindparams(pattern)  # type: ignore[return-value]


def _carried_by(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """A document that carried the article meets ``condition``. Correlated to ``articles`` only:
    the query around it may join ``provenance`` too (``clusters`` does)."""
    return exists(select(Provenance.id).where(Provenance.article_id == Article.id, condition).correlate(Article))


def _source_count() -> Any:
    return (select(func.count(Provenance.id)).where(Provenance.article_id == Article.id)
            .correlate(Article).scalar_subquery())


# --- queries -------------------------------------------------------------------------------

def find_record(session: Session, article_id: str) -> ArticleRecord | None:
    """One article by id or unique id prefix, with its sources; None if not found;
    :class:`pipeline.errors.AmbiguousIdError` for a prefix that several articles share;
    :class:`QueryError` for an id no database can hold (a NUL character, bytes that are not UTF-8)."""
    check_text("the article id", article_id)
    article = Database.find_article(session, article_id)
    if article is None:
        return None
    return ArticleRecord.of(article, Database.sources(session, article.id))


def iter_article_records(db: Database, filters: Filters = Filters()) -> Iterator[ArticleRecord]:
    """Every article (that passes ``filters``) with its sources, streamed in batches of
    ``EXPORT_BATCH``: memory stays flat whatever the size of the database."""
    with db.session() as session:
        conditions = filters.conditions(db.engine.dialect.name)
        last = ""
        while True:
            batch = session.scalars(select(Article).where(Article.id > last, *conditions)
                                    .order_by(Article.id).limit(EXPORT_BATCH)).all()
            if not batch:
                return
            ids = [a.id for a in batch]
            by_article: dict[str, list[Provenance]] = {i: [] for i in ids}
            for p in session.scalars(select(Provenance).where(Provenance.article_id.in_(ids))
                                     .options(selectinload(Provenance.fetch))
                                     .order_by(Provenance.fetched_at, Provenance.id)):
                by_article[p.article_id].append(p)
            for a in batch:
                yield ArticleRecord.of(a, by_article[a.id])
            last = ids[-1]
            session.expunge_all()


def search(session: Session, query: str, filters: Filters = Filters(), limit: int = 20) -> list[Hit]:
    """The articles matching ``query`` (syntax: :mod:`pipeline.query.search`), best first, with a
    snippet around the matched words; :class:`QueryError` for a query that cannot be read.

    A word that is a stop word of an article's language is not searched in that article, on
    both databases (PostgreSQL's index does not hold it): the query is read once per language
    (:func:`pipeline.query.search.without_stopwords`), and the languages that read it alike are
    searched together."""
    check_count("the limit", limit)
    tree = parse_query(query)
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise QueryError(f"full-text search needs SQLite or PostgreSQL, not {dialect}")
    groups = _by_language(tree, filters.language)
    if not groups:
        return []
    if dialect == "sqlite":
        hits = [h for node, codes in groups
                for h in _search_sqlite(session, to_fts5(node), filters, limit, _in_languages(codes, groups))]
        return sorted(hits, key=lambda h: (-h.score, h.first_seen, h.id))[:limit]
    return _search_pg(session, [(to_tsquery(node), codes) for node, codes in groups], filters, limit)


OTHER_LANGUAGES = ""  # the articles of no language, or of one without a text search configuration


def _by_language(tree: Node, language: str | None) -> list[tuple[Node, list[str]]]:
    """The query as each language reads it (its stop words left out), languages that read it
    alike together; a language in which it finds nothing is left out. ``language``: the filter."""
    codes = [*PG_CONFIGS, OTHER_LANGUAGES]
    if language:
        codes = [language.lower() if language.lower() in PG_CONFIGS else OTHER_LANGUAGES]
    groups: dict[Node, list[str]] = {}
    for code in codes:
        node = without_stopwords(tree, stopwords(PG_CONFIGS.get(code)), fold)
        if node is not None:
            groups.setdefault(node, []).append(code)
    return list(groups.items())


def _in_languages(codes: list[str], groups: list[tuple[Node, list[str]]]) -> list[ColumnElement[bool]]:
    """The condition that keeps the articles of ``codes`` (none when one group holds every language)."""
    if len(groups) == 1 and len(codes) == len(PG_CONFIGS) + 1:
        return []
    known = [c for c in codes if c != OTHER_LANGUAGES]
    condition = Article.language.in_(known) if known else None
    if OTHER_LANGUAGES in codes:
        other = or_(Article.language.is_(None), Article.language.not_in(list(PG_CONFIGS)))
        condition = other if condition is None else or_(condition, other)
    return [condition]


_FTS = table("articles_fts", column("article_id"))  # SQLite's FTS5 table (pipeline/store/fulltext.py)


def _search_sqlite(session: Session, expression: str, filters: Filters, limit: int,
                   languages: list[ColumnElement[bool]]) -> list[Hit]:
    fts = literal_column("articles_fts")
    score = func.bm25(fts, 0.0, TITLE_WEIGHT, 1.0)
    snippet = func.snippet(fts, 2, SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS, SNIPPET_WORDS)
    stmt = (select(Article, score.label("score"), snippet.label("snippet"), _source_count().label("n"))
            .join_from(_FTS, Article, Article.id == _FTS.c.article_id)
            .where(fts.op("MATCH")(bindparam("fts_query", expression)), *filters.conditions("sqlite"), *languages)
            .order_by(literal_column("score"), Article.first_seen, Article.id).limit(limit))
    rows = session.execute(stmt).all()
    return [Hit(a.id, a.title, _one_line(snip), -float(s), n, a.first_seen, a.published_at, a.language)
            for a, s, snip, n in rows]


def _search_pg(session: Session, queries: list[tuple[str, list[str]]], filters: Filters, limit: int) -> list[Hit]:
    """The GIN index finds the articles matching one constant query: each group's ``tsquery`` in
    the configurations of its languages, OR-ed. Each article is then checked, and ranked, with
    its own language's query in its own configuration (NULL, so no match, where the query finds
    nothing in that language)."""
    vector = literal_column("articles.search_vector")
    anywhere = None
    own_text: dict[str, Any] = {}
    for i, (tsquery, codes) in enumerate(queries):
        q = bindparam(f"ts_query_{i}", tsquery)
        for code in codes:
            own_text[code] = q
        for name in dict.fromkeys(PG_CONFIGS.get(code, "simple") for code in codes):
            part = func.to_tsquery(literal(name, REGCONFIG), q)
            anywhere = part if anywhere is None else anywhere.op("||")(part)
    other = own_text.pop(OTHER_LANGUAGES, None)
    own_query = case(own_text, value=Article.language, else_=other) if own_text else other
    own = func.to_tsquery(literal_column(pg_config_sql("articles.language")), own_query)
    score = func.ts_rank_cd(vector, own)
    best = (select(Article.id.label("id"), score.label("score"))
            .where(vector.op("@@")(anywhere), vector.op("@@")(own), *filters.conditions("postgresql"))
            .order_by(score.desc(), Article.first_seen, Article.id).limit(limit).subquery())
    options = (f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={SNIPPET_WORDS + 6}, "
               f"MinWords={SNIPPET_WORDS // 2}, MaxFragments=1, FragmentDelimiter={SNIPPET_ELLIPSIS}")
    snippet = func.ts_headline(literal_column(pg_config_sql("articles.language")), Article.text, own,
                               literal(options))
    rows = session.execute(select(Article, best.c.score, snippet, _source_count())
                           .join(best, best.c.id == Article.id)
                           .order_by(best.c.score.desc(), Article.first_seen, Article.id)).all()
    return [Hit(a.id, a.title, _one_line(snip), float(s), n, a.first_seen, a.published_at, a.language)
            for a, s, snip, n in rows]


def _one_line(snippet: str | None) -> str:
    return " ".join((snippet or "").split())


def clusters(session: Session, filters: Filters = Filters(), limit: int = 50) -> list[Cluster]:
    """Stories carried by at least ``filters.min_sources`` documents (when not given,
    :data:`CLUSTER_MIN_SOURCES`: the stories that have copies; 1 lists every story), most first."""
    check_count("the limit", limit)
    n = func.count(Provenance.id).label("n")
    dialect = session.get_bind().dialect.name
    least = CLUSTER_MIN_SOURCES if filters.min_sources is None else filters.min_sources
    conditions = dataclasses.replace(filters, min_sources=None).conditions(dialect)  # counted by HAVING
    rows = session.execute(
        select(Article, n).join(Provenance, Provenance.article_id == Article.id).where(*conditions)
        .group_by(Article.id).having(n >= least)
        .order_by(n.desc(), Article.first_seen, Article.id).limit(limit)
    ).all()
    relations: dict[str, dict[str, int]] = {a.id: {} for a, _ in rows}
    if rows:
        for article_id, relation, count in session.execute(
                select(Provenance.article_id, Provenance.relation, func.count())
                .where(Provenance.article_id.in_(list(relations))).group_by(Provenance.article_id, Provenance.relation)):
            relations[article_id][relation] = count
    return [Cluster(a.id, a.title, count, relations[a.id], a.first_seen, a.canonical_uri) for a, count in rows]


def stats(session: Session, runs: int = 10) -> Stats:
    """Counts: articles, documents by relation, outlets, failures by reason, the latest runs."""
    articles = session.scalar(select(func.count(Article.id))) or 0
    documents = session.scalar(select(func.count(Provenance.id))) or 0
    relations = dict(session.execute(select(Provenance.relation, func.count()).group_by(Provenance.relation)).all())
    outlets: Counter[str] = Counter()
    for uri, count in session.execute(select(Provenance.uri, literal(1))).yield_per(10_000):
        outlets[urlsplit(uri).hostname or "(local files)" if uri.startswith("http") else "(local files)"] += count
    reasons = dict(session.execute(select(Failure.reason, func.count()).group_by(Failure.reason)
                                   .order_by(func.count().desc())).all())
    latest = session.scalars(select(Run).order_by(Run.id.desc()).limit(runs)).all()
    return Stats(
        articles=articles, documents=documents, relations=relations,
        duplicates_ratio=(documents - articles) / documents if documents else 0.0,
        outlets=dict(outlets.most_common()), failures=sum(reasons.values()), failure_reasons=reasons,
        runs=tuple({"id": r.id, "kind": r.kind, "status": r.status, "started_at": _iso(r.started_at),
                    "finished_at": _iso(r.finished_at), "documents": r.documents, "new_articles": r.new_articles,
                    "duplicates": r.duplicates, "skipped": r.skipped, "failures": r.failures} for r in latest),
    )
