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
    assert MetadataStage(ctx).process(doc).published == datetime(2023, 11, 2)


def test_language_of_text_pages(ctx: RunContext) -> None:
    for lang, body in {
        "de": "Der Gemeinderat hat am Dienstagabend beschlossen, die alte Schule zu sanieren.",
        "en": "The city council voted on Tuesday night to renovate the old school on the square.",
        "fr": "Le conseil municipal a voté mardi soir la rénovation de la vieille école du marché.",
        "es": "El ayuntamiento votó el martes por la noche la renovación de la antigua escuela.",
        "it": "Il consiglio comunale ha votato martedì sera la ristrutturazione della vecchia scuola.",
    }.items():
        assert MetadataStage(ctx).process(Document(uri="x", body=[body])).language == lang
