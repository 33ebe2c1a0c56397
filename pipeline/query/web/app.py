"""The read-only web view and its JSON API (FastAPI), over :class:`pipeline.query.api.NewsDB`.

Pages: ``/`` (search, with filters), ``/articles/{id}`` (an article and its sources as a
timeline), ``/stats``. JSON: ``/api/search``, ``/api/articles/{id}``, ``/api/clusters``,
``/api/stats``, described by ``/openapi.json``. Every route is a GET (HEAD works too) and the
database handle refuses writes, so nothing can change through the web. Only requests for an
allowed host are answered, with security headers (:mod:`pipeline.query.web.security`). (FastAPI's ``/docs`` page
is off: it loads its scripts from a CDN.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.middleware.trustedhost import TrustedHostMiddleware

from pipeline.errors import AmbiguousIdError, QueryError
from pipeline.query.api import NewsDB
from pipeline.query.records import MAX_COUNT, ArticleRecord, Cluster, Hit, Stats
from pipeline.query.search import SNIPPET_END, SNIPPET_START
from pipeline.query.web.security import HeadAsGet, SecurityHeaders, content_security_policy

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
POLICY = content_security_policy(TEMPLATES_DIR)


def _host(uri: str) -> str:
    return urlsplit(uri).hostname or "local file" if uri.startswith("http") else "local file"


def _highlight(snippet: str) -> Markup:
    """A snippet, escaped, with the matched words in <mark>."""
    return Markup(str(escape(snippet)).replace(SNIPPET_START, "<mark>").replace(SNIPPET_END, "</mark>"))


TEMPLATES.env.filters["host"] = _host
TEMPLATES.env.filters["highlight"] = _highlight


class FilterParams:
    """The search and clusters filters as query parameters (the fields of ``query.Filters``)."""

    def __init__(self, language: str | None = None, domain: str | None = None, outlet: str | None = None,
                 author: str | None = None, min_sources: Annotated[int | None, Query(ge=1, le=MAX_COUNT)] = None,
                 published_from: date | None = None, published_to: date | None = None,
                 seen_from: date | None = None, seen_to: date | None = None) -> None:
        self.values = {k: v for k, v in locals().items() if k != "self" and v not in (None, "")}


FILTERS = ("language", "domain", "outlet", "author", "min_sources", "published_from", "published_to", "seen_from",
           "seen_to")


def create_app(db: NewsDB, *, allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """The app on ``db``. It answers requests whose Host header names one of ``allowed_hosts``
    (default: ``NEWSDEDUP_WEB_ALLOWED_HOSTS``, 127.0.0.1 and localhost), any port; others get 400.
    Every response carries the headers of :mod:`pipeline.query.web.security`; HEAD works as GET."""
    if allowed_hosts is None:
        from settings.config import load_config

        allowed_hosts = load_config().web_allowed_hosts
    app = FastAPI(title="newsdedup", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Read-only access to a newsdedup database: full-text search over canonical "
                              "articles, each article with every source that carried it, stories, counts.")
    # the last added runs first: headers on every answer, then HEAD as GET, then the Host check
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, policy=POLICY)

    @app.exception_handler(QueryError)
    async def bad_query(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": f"bad query: {exc}"}, status_code=400)

    @app.exception_handler(AmbiguousIdError)
    async def ambiguous_id(_: Request, exc: AmbiguousIdError) -> JSONResponse:
        return JSONResponse({"detail": exc.summary, "candidates": [{"id": i, "title": t} for i, t in exc.candidates],
                             "more": exc.more}, status_code=409)

    # --- JSON API ---------------------------------------------------------------------------
    @app.get("/api/search", response_model=list[Hit], tags=["api"])
    def api_search(q: Annotated[str, Query(description="the query: words, \"phrases\", OR, NOT or -word, "
                                                       "prefix*, (brackets)", max_length=500)],
                   filters: Annotated[FilterParams, Depends()],
                   limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[Hit]:
        """Articles matching ``q``, best first, with a snippet (matched words between ⟦ and ⟧)."""
        return db.search(q, limit=limit, **(filters.values))

    @app.get("/api/articles/{article_id}", response_model=ArticleRecord, tags=["api"], responses={
        404: {"description": "no article has this id or an id starting with it"},
        409: {"description": "several articles have an id starting with it: `candidates` lists a few (id, title)"}})
    def api_article(article_id: str) -> ArticleRecord:
        """An article (id or unique prefix) with every source, oldest first."""
        record = db.article(article_id)
        if record is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return record

    @app.get("/api/clusters", response_model=list[Cluster], tags=["api"])
    def api_clusters(filters: Annotated[FilterParams, Depends()],
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[Cluster]:
        """Stories carried by at least ``min_sources`` documents (default 2: the stories that have
        copies; 1 lists every story), most sources first."""
        return db.clusters(limit=limit, **(filters.values))

    @app.get("/api/stats", response_model=Stats, tags=["api"])
    def api_stats() -> Stats:
        return db.stats()

    # --- pages --------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = "", limit: Annotated[int, Query(ge=1, le=200)] = 20) -> Any:
        """The search form sends every field, empty or not: empty ones are no filter."""
        values = {k: v.strip() for k, v in request.query_params.items() if k in FILTERS and v.strip()}
        hits: list[Hit] = []
        error = None
        try:
            given = values.get("min_sources")
            if given is not None and not (given.isascii() and given.isdigit() and len(given) <= len(str(MAX_COUNT))
                                          and 1 <= int(given) <= MAX_COUNT):
                raise ValueError(f"min. sources: {given[:20]!r} is not a whole number "
                                 f"from 1 to {MAX_COUNT}")
            where = {k: int(v) if k == "min_sources" else v for k, v in values.items()}
            if q.strip():
                hits = db.search(q, limit=limit, **where)
        except (QueryError, ValueError) as exc:
            error = str(exc)
        return TEMPLATES.TemplateResponse(request, "search.html", {
            "q": q, "hits": hits, "error": error, "filters": values, "searched": bool(q.strip())},
            status_code=400 if error else 200)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Any:
        try:
            record = db.article(article_id)
        except AmbiguousIdError as exc:
            return TEMPLATES.TemplateResponse(request, "ambiguous.html", {"e": exc}, status_code=409)
        if record is None:
            return TEMPLATES.TemplateResponse(request, "missing.html", {"id": article_id}, status_code=404)
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "a": record, "paragraphs": [p for p in record.text.split("\n\n") if p.strip()]})

    @app.get("/stats", response_class=HTMLResponse, include_in_schema=False)
    def stats_page(request: Request) -> Any:
        return TEMPLATES.TemplateResponse(request, "stats.html", {"s": db.stats()})

    return app
