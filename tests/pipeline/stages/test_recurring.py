"""The recurring stage: lines a source repeats on many pages, learnt in a run and kept for the next."""

from __future__ import annotations

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.clean import CleanStage
from pipeline.stages.recurring import RecurringLinesStage, source_key
from tests.conftest import make_config

FOOTER = "Stadtzeitung-App jetzt kostenlos herunterladen"
STORIES = [
    ("Stadtrat beschließt neuen Busfahrplan für die Innenstadt",
     "Der Stadtrat hat am Dienstag einen neuen Fahrplan für die Busse in der Innenstadt beschlossen, der ab März gilt."),
    ("Freibad öffnet nach langer Sanierung wieder seine Tore",
     "Nach zwei Jahren Bauzeit öffnet das Freibad am Stadtpark am Samstag wieder, der Eintritt bleibt für Kinder frei."),
    ("Bibliothek verlängert ihre Öffnungszeiten am Wochenende",
     "Die Stadtbibliothek hat ab dem kommenden Monat auch sonntags geöffnet, teilte die Verwaltung am Montag mit."),
    ("Neue Ampel an der Schulstraße soll Unfälle verhindern",
     "An der Kreuzung vor der Grundschule wird bis zum Sommer eine Ampel gebaut, nachdem es dort mehrere Unfälle gab."),
]


def page(title: str, para: str, n: int) -> Document:
    more = f"Weitere Einzelheiten zu „{title}“ will die Verwaltung in der kommenden Woche bekannt geben."
    text = f"{title}\n{para}\n{more}\n{FOOTER}"
    return Document(uri=f"https://www.stadtzeitung.example/lokales/{n}.html", lines=text.split("\n"))


def test_source_key() -> None:
    assert source_key("https://WWW.Example.org/a/b.html?x=1") == "example.org"
    assert source_key("file:///data/outlet%20a/page.txt") == "/data/outlet a"


def test_a_line_on_many_pages_of_a_source_is_marked_and_dropped(ctx: RunContext) -> None:
    stage, clean = RecurringLinesStage(ctx), CleanStage(ctx)
    docs = [stage.process(page(t, p, n)) for n, (t, p) in enumerate(STORIES)]
    assert [bool(d.recurring) for d in docs] == [False, False, True, True]  # from the third page on
    cleaned = clean.process(docs[3])
    assert FOOTER not in cleaned.body_text
    assert STORIES[3][1] in cleaned.body


def test_other_sources_do_not_learn_from_it(ctx: RunContext) -> None:
    stage = RecurringLinesStage(ctx)
    for n, (t, p) in enumerate(STORIES[:3]):
        stage.process(page(t, p, n))
    other = page(*STORIES[3], 9)
    other.uri = "https://another.example/9.html"
    assert stage.process(other).recurring == set()


def test_paragraphs_shared_by_copies_of_a_story_are_not_furniture(ctx: RunContext) -> None:
    stage = RecurringLinesStage(ctx)
    docs = [stage.process(page(t, STORIES[0][1], n)) for n, (t, _) in enumerate(STORIES)]
    assert all(not any("fahrplan" in key for key in d.recurring) for d in docs)


def test_copies_of_one_story_are_not_emptied(ctx: RunContext) -> None:
    stage = RecurringLinesStage(ctx)
    copies = [stage.process(page(*STORIES[0], n)) for n in range(4)]
    assert copies[3].recurring == set()


def test_counts_are_stored_and_reused_by_the_next_run(sqlite_url: str) -> None:
    first = RunContext(make_config(sqlite_url))
    first.open()
    stage = RecurringLinesStage(first)
    for n, (t, p) in enumerate(STORIES[:2]):
        stage.process(page(t, p, n))
    stage.close_spider()
    first.close()
    second = RunContext(make_config(sqlite_url))
    second.open()
    doc = RecurringLinesStage(second).process(page(*STORIES[2], 7))
    second.close()
    assert any("stadtzeitung app" in key for key in doc.recurring)


def test_a_subhead_some_articles_share_is_not_page_furniture(ctx: RunContext) -> None:
    stage = RecurringLinesStage(ctx)
    docs = []
    for n in range(12):
        title, para = STORIES[n % 4]
        doc = page(f"{title} ({n})", para.replace("Stadt", f"Stadt {n}"), n)
        if n % 4 == 0:
            doc.lines.insert(2, "Fazit")
        docs.append(stage.process(doc))
    assert all("fazit" not in d.recurring for d in docs)
    assert any(any("stadtzeitung" in k for k in d.recurring) for d in docs)
