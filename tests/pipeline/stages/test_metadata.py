"""The metadata stage: fields from the lines the clean stage set aside, and from HTML."""

from __future__ import annotations

from datetime import datetime

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.metadata import MetadataStage


def test_fields_from_meta_lines(ctx: RunContext) -> None:
    doc = Document(uri="x", title="Le conseil municipal rénove l'école",
                   body=["Le conseil municipal a voté mardi soir la rénovation de la vieille école du "
                         "marché, après un long débat sur son coût et son calendrier."],
                   meta_lines=[("author", "Claire Dumas et Paul Roy"), ("date", "Publié le 3 mars 2024 à 14h05"),
                               ("outlet", "Le Courrier"), ("credit", "AFP")])
    doc = MetadataStage(ctx).process(doc)
    assert doc.authors == ["Claire Dumas", "Paul Roy"]
    assert doc.published == datetime(2024, 3, 3, 14, 5)
    assert doc.credits == ["AFP"]
    assert doc.outlet == "Le Courrier"
    assert doc.language == "fr"


def test_html_metadata_is_the_fallback(ctx: RunContext) -> None:
    doc = Document(uri="x", title="Council renovates school", body=["The council voted on Tuesday night."],
                   html_meta={"author": "Jane Doe; John Roe", "date": "2024-03-04", "sitename": "Coast Times"})
    doc = MetadataStage(ctx).process(doc)
    assert doc.authors == ["Jane Doe", "John Roe"]
    assert doc.published == datetime(2024, 3, 4)
    assert doc.outlet == "Coast Times"
    assert doc.language == "en"


def test_htmldate_finds_a_date_trafilatura_left_out(ctx: RunContext) -> None:
    html = ('<html><body><article><p>The council voted on Tuesday night.</p>'
            '<p class="byline">Posted <time datetime="2023-11-02T08:00:00">2 Nov</time></p></article></body></html>')
    doc = Document(uri="file:///t/a.html", text=html, is_html=True, title="Council votes",
                   body=["The council voted on Tuesday night."], html_meta={"date": None})
    assert MetadataStage(ctx).process(doc).published == datetime(2023, 11, 2, 8, 0)  # (with its time)


def test_an_html_page_s_published_time_keeps_its_time_zone(ctx: RunContext) -> None:
    """"08:15+02:00" in the page's metadata is 08:15 in that zone, not midnight (trafilatura's day)."""
    from datetime import timedelta, timezone

    doc = _html_doc(ctx, '<title>Council renovates the old school</title>'
                         '<meta property="article:published_time" content="2024-05-01T08:15:00+02:00">')
    assert doc.published == datetime(2024, 5, 1, 8, 15, tzinfo=timezone(timedelta(hours=2)))
    day = _html_doc(ctx, '<meta property="article:published_time" content="2024-05-01">')
    assert day.published == datetime(2024, 5, 1)


def test_language_of_text_pages(ctx: RunContext) -> None:
    for lang, body in {
        "de": "Der Gemeinderat hat am Dienstagabend beschlossen, die alte Schule zu sanieren.",
        "en": "The city council voted on Tuesday night to renovate the old school on the square.",
        "fr": "Le conseil municipal a voté mardi soir la rénovation de la vieille école du marché.",
        "es": "El ayuntamiento votó el martes por la noche la renovación de la antigua escuela.",
        "it": "Il consiglio comunale ha votato martedì sera la ristrutturazione della vecchia scuola.",
    }.items():
        assert MetadataStage(ctx).process(Document(uri="x", body=[body])).language == lang


def _html_doc(ctx: RunContext, head: str, uri: str = "https://www.coast-times.example/news/1.html",
              source_outlet: str | None = None) -> Document:
    """An HTML page through the extract stage (trafilatura's metadata), then metadata."""
    from pipeline.stages.extract import ExtractStage

    body = "".join(f"<p>{p}</p>" for p in [
        "The city council voted on Tuesday night to renovate the old school on the market square and turn "
        "it into a community centre after a long debate.",
        "Work is due to start next spring and take about two years, the administration said, with most of "
        "the cost covered by the state government."] * 2)
    html = f"<html><head>{head}</head><body><article><h1>Council renovates the old school</h1>{body}</article></body></html>"
    doc = ExtractStage(ctx).process(Document(uri=uri, text=html, is_html=True, source_outlet=source_outlet))
    doc.title = doc.html_meta.get("title") or ""
    doc.body = [line for line in doc.lines if line.strip()]
    return MetadataStage(ctx).process(doc)


def test_the_outlet_of_an_html_page_is_its_site_s_name(ctx: RunContext) -> None:
    """og:site_name or the publisher in JSON-LD name the outlet."""
    og = _html_doc(ctx, '<title>Council renovates the old school</title><meta property="og:site_name" content="Coast Times">')
    assert og.outlet == "Coast Times"
    ld = ('<title>Council renovates the old school</title><script type="application/ld+json">{"@context": '
          '"https://schema.org", "@type": "NewsArticle", "headline": "Council renovates the old school", '
          '"publisher": {"@type": "Organization", "name": "Küstenzeitung"}}</script>')
    assert _html_doc(ctx, ld).outlet == "Küstenzeitung"


def test_a_crawled_page_that_names_no_site_gets_its_source_s_outlet(ctx: RunContext) -> None:
    """The sources file's outlet fills in where the page names none, and only there."""
    page = '<title>Council renovates the old school</title>'
    assert _html_doc(ctx, page).outlet is None
    assert _html_doc(ctx, page, source_outlet="Coast Times").outlet == "Coast Times"
    named = _html_doc(ctx, page + '<meta property="og:site_name" content="The Coast Times">', source_outlet="coast")
    assert named.outlet == "The Coast Times"


def test_a_bare_host_or_the_page_s_title_is_no_outlet(ctx: RunContext) -> None:
    """Where the page names no site, trafilatura falls back to the host, or a site name tag
    holds the page's title: neither is an outlet a filter could find."""
    host = _html_doc(ctx, '<title>Council renovates the old school</title>'
                          '<link rel="canonical" href="https://www.coast-times.example/news/1.html">')
    assert host.outlet is None
    served = _html_doc(ctx, '<title>Council renovates the old school</title>'
                            '<link rel="canonical" href="http://127.0.0.1:8080/news/1.html">', uri="http://127.0.0.1:8080/n")
    assert served.outlet is None
    titled = _html_doc(ctx, '<title>Council renovates the old school</title>'
                            '<meta property="og:site_name" content="Council renovates the old school">')
    assert titled.outlet is None
    link = _html_doc(ctx, '<meta property="og:site_name" content="https://coast-times.example/">')
    assert link.outlet is None
