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
