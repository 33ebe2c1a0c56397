"""The recurring stage: lines a source repeats on many pages, learnt in a run and kept for the next."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.clean import CleanStage
from pipeline.stages.recurring import RecurringLinesStage, source_key
from pipeline.text.normalize import letters_key, word_count
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
    stage, clean = RecurringLinesStage(ctx), CleanStage(ctx)
    copies = [stage.process(page(*STORIES[0], n)) for n in range(8)]
    for copy in copies:
        cleaned = clean.process(copy)
        assert cleaned.title == STORIES[0][0]
        assert STORIES[0][1] in cleaned.body


POLICY = ("We welcome comments that advance the discussion, but we remove personal attacks, spam "
          "and anything off topic, and repeat offenders may be blocked from the site.")
MENU = ["Home", "World", "Business", "Sports", "Opinion", "Newsletters", "Subscribe"]
BRIEFS = [
    ("Council approves the new bus timetable for the city centre",
     "The city council on Tuesday approved a new timetable for buses in the city centre, which takes effect in March "
     "and adds late services on weekends."),
    ("Public pool reopens after two years of repairs",
     "After two years of building work the public pool at the park reopens on Saturday, and entry stays free for "
     "children under twelve."),
    ("Library extends its opening hours at the weekend",
     "From next month the city library also opens on Sundays, the administration said on Monday, after a survey of "
     "its readers."),
    ("A new traffic light should prevent accidents at the school",
     "A traffic light is to be built at the crossing in front of the primary school by the summer, after several "
     "accidents there last year."),
    ("Market square gets new trees and benches",
     "The market square will be planted with twenty new trees this autumn, and the benches removed last year are to "
     "come back, the mayor announced."),
    ("Museum shows the city's history in photographs",
     "An exhibition of more than three hundred photographs opens at the city museum on Friday, showing how the "
     "streets have changed since 1900."),
]


def outlet_page(title: str, paras: list[str], n: int) -> Document:
    lines = [*MENU, title, "", *paras, "", "Comments", POLICY, "Privacy policy", "Terms of use", "Contact us"]
    return Document(uri=f"https://www.citypaper.example/news/{n}.html", lines=lines)


def test_a_prose_line_on_nearly_every_page_of_a_source_is_marked(ctx: RunContext) -> None:
    stage = RecurringLinesStage(ctx)
    docs = [stage.process(outlet_page(t, [p], n)) for n, (t, p) in enumerate(BRIEFS)]
    policy = letters_key(POLICY)
    # prose needs NEWSDEDUP_RECURRING_PROSE_MIN_DOCS (5) documents, this one included: from the fifth page on
    assert [policy in d.recurring for d in docs] == [False] * 4 + [True, True]
    assert all(letters_key(p) not in d.recurring for d, (_, p) in zip(docs, BRIEFS))
    # a page of nothing but the furniture (a gallery, an error page): nothing left, nothing marked
    assert stage.process(outlet_page("Photos", [], 99)).recurring == set()


def test_a_teaser_is_kept_when_the_source_furniture_holds_more_prose(ctx: RunContext) -> None:
    stage, clean = RecurringLinesStage(ctx), CleanStage(ctx)
    for n, (t, p) in enumerate(BRIEFS):
        page_ = outlet_page(t, [p, p.replace("the", "this")], n)
        page_.lines[-4:-4] = [POLICY.replace("comments", "letters"), POLICY.replace("spam", "advertising"),
                              POLICY.replace("discussion", "debate"), POLICY.replace("site", "paper")]
        stage.process(page_)
    teaser = ("Thousands of residents had to leave their homes on Sunday night when the river rose faster "
              "than the authorities had […]")
    doc = outlet_page("Floods force thousands from their homes", [teaser], 9)
    doc.lines[-4:-4] = [POLICY.replace("comments", "letters"), POLICY.replace("spam", "advertising"),
                        POLICY.replace("discussion", "debate"), POLICY.replace("site", "paper")]
    cleaned = clean.process(stage.process(doc))
    assert cleaned.title == "Floods force thousands from their homes"
    assert cleaned.body == [teaser.removesuffix(" […]")]


BIO = ("Anna Berger is the editor of the City Paper and writes about local politics, housing and transport; "
       "before that she reported for the regional radio for ten years.")
NOTE = "Note: comments are moderated and may take a few hours to appear below the article."


def test_prose_furniture_is_marked_on_a_source_with_few_short_lines(ctx: RunContext) -> None:
    """A blog's furniture may be mostly prose (an author's bio, a note on comments) with few
    menu lines: beside a story of the page's own, prose the source never printed before, the
    bio and the note are furniture all the same."""
    stage = RecurringLinesStage(ctx)
    docs = [stage.process(Document(uri=f"https://blog.example/{n}.html", lines=[
        "Home", t, p, p.replace("the", "this"), p.replace("the", "that"), BIO, NOTE]))
        for n, (t, p) in enumerate(BRIEFS)]
    assert [letters_key(BIO) in d.recurring for d in docs] == [False] * 4 + [True, True]
    assert all(letters_key(NOTE) in d.recurring for d in docs[4:])
    assert all(letters_key(p) not in d.recurring for d, (_, p) in zip(docs, BRIEFS))


def test_paragraphs_a_folder_of_copies_shares_are_kept(ctx: RunContext) -> None:
    """A folder of pasted copies of one wire story: each copy edits two of its paragraphs, and
    the others are on nearly every page. Few short lines recur there: not furniture."""
    stage = RecurringLinesStage(ctx)
    paras = [p for _, p in BRIEFS] + [p.replace("city", "town") for _, p in BRIEFS]
    docs = []
    for n in range(12):  # each copy edits two of its twelve paragraphs
        edited = [p.replace(" the ", " a ", 1) if i in (n % 12, (n + 6) % 12) else p for i, p in enumerate(paras)]
        docs.append(stage.process(Document(uri=f"file:///copies/{n}.txt", lines=["Wire story", "AP", *edited])))
    assert all(not any(letters_key(p) in d.recurring for p in paras) for d in docs)
    # ...and they are known as the source's repeats, which the dedup stage does not take as evidence
    keys = {letters_key(p) for p in paras}
    assert all(d.repeated <= keys for d in docs) and all(len(d.repeated) >= 2 for d in docs[4:])


def test_a_story_copied_across_a_folder_keeps_its_paragraphs_beside_its_own_update(ctx: RunContext) -> None:
    """Copies that add a paragraph at the bottom: the shared paragraphs are not between two
    paragraphs of the copy's own, but they outnumber the recurring short lines."""
    stage = RecurringLinesStage(ctx)
    paras = [p for _, p in BRIEFS]
    docs = [stage.process(Document(uri=f"file:///copies/{n}.txt", lines=[
        "Wire story", *paras, f"Update {n}:00: the council said on Monday that more details would follow soon."]))
        for n in range(8)]
    assert all(not any(letters_key(p) in d.recurring for p in paras) for d in docs)


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


POOL = [*MENU, POLICY, *(p for _, p in BRIEFS), *(t for t, _ in BRIEFS), "Comments", "Share", ""]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(POOL), max_size=25), min_size=1, max_size=12))
def test_random_pages_of_one_source(pages: list[list[str]]) -> None:
    """Whatever a source's pages hold, in any order: marks only lines of the page, and leaves
    the page at least NEWSDEDUP_MIN_TEXT_WORDS words in lines longer than a menu item, or marks nothing."""
    config = make_config()
    stage, opts = RecurringLinesStage(RunContext(config, kind="clean", offline=True)), config.clean
    for n, lines in enumerate(pages):
        doc = stage.process(Document(uri=f"https://random.example/{n}", lines=list(lines)))
        keys = {letters_key(t) for t in lines}
        assert doc.recurring <= keys
        if doc.recurring:
            left = {letters_key(t): word_count(t) for t in lines if letters_key(t) not in doc.recurring}
            assert sum(w for w in left.values() if w > opts.short_line_max_words) >= opts.min_text_words
