"""Stories through the real pipeline: what joins, what stays apart, in any order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.runner import ingest
from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance
from tests.conftest import SEEDS, make_config

FULL = (SEEDS / "003_5602f176bb30daa9.txt").read_text(encoding="utf-8")
OTHER = (SEEDS / "002_2bb625ef10a0835c.txt").read_text(encoding="utf-8")
TITLE = "Nordkorea entsendet Bürger zur Unterstützung der russischen Armee in der Ukraine"


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if len(p.split()) >= 25]


def market(index: str, move: str, points: str, leader: str, laggard: str) -> str:
    return (f"Börse: {index} schließt {move}\n"
            f"Der {index} hat am Dienstag {move} geschlossen und stand zum Handelsschluss bei {points} Punkten. "
            f"Gefragt waren vor allem die Aktien von {leader}, die nach Zahlen für das dritte Quartal deutlich zulegten.\n"
            f"Schwächer zeigten sich dagegen die Papiere von {laggard}, nachdem das Unternehmen seine Prognose für das "
            f"laufende Jahr gesenkt hatte. Händler sprachen von einem ruhigen Handel ohne große Impulse.\n"
            f"Der Euro kostete am Abend 1,08 Dollar. Die Europäische Zentralbank hatte den Referenzkurs zuvor auf "
            f"1,0812 Dollar festgesetzt, am Vortag lag er bei 1,0795 Dollar.")


def write_world(folder: Path) -> dict[str, str]:
    """The copies of one story as other outlets carry them, and the stories that must stay apart."""
    paras = paragraphs(FULL)
    pages = {
        "full.txt": FULL,
        "teaser.txt": f"Startseite\n{TITLE}\n{paras[0]}\n{paras[1]} […]\nWeiterlesen",
        "update.txt": (f"Politik\n{TITLE}\nUpdate, 18 Uhr: Inzwischen hat auch das Außenministerium in Seoul die Berichte "
                       "bestätigt und den nordkoreanischen Botschafter zu einem Gespräch einbestellt, teilte ein Sprecher mit.\n"
                       + FULL.split(TITLE, 1)[1] + "\nTeilen"),
        "trimmed.txt": f"{TITLE}\n" + "\n".join(paras[:-2]) + "\nMehr zum Thema\nAnzeige",
        "followup.txt": OTHER.replace("Lawrow hatte den", paras[2] + "\n" + paras[3] + "\nLawrow hatte den"),
        "dax.txt": market("DAX", "fester", "15.432", "Siemens", "BASF"),
        "mdax.txt": market("MDax", "leichter", "26.118", "Zalando", "Lufthansa"),
    }
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return pages


def stories(url: str) -> tuple[set[frozenset[str]], dict[str, str]]:
    db = Database(url)
    with db.session() as s:
        rows = s.execute(select(Provenance.article_id, Provenance.uri, Provenance.relation)).all()
        canon = {a.id: Path(a.canonical_uri).name for a in s.scalars(select(Article))}
    db.dispose()
    groups: dict[str, set[str]] = {}
    for article_id, uri, _ in rows:
        groups.setdefault(article_id, set()).add(Path(uri).name)
    relations = {Path(uri).name: relation for _, uri, relation in rows}
    canonical_of = {name: canon[aid] for aid, names in groups.items() for name in names}
    return {frozenset(g) for g in groups.values()}, relations | {f"canonical:{k}": v for k, v in canonical_of.items()}


def test_copies_join_and_lookalikes_stay_apart(tmp_path: Path) -> None:
    folder = tmp_path / "world"
    folder.mkdir()
    write_world(folder)
    url = f"sqlite:///{tmp_path / 's.db'}"
    ingest([str(folder)], make_config(url), progress=False)
    groups, info = stories(url)
    assert frozenset({"full.txt", "teaser.txt", "update.txt", "trimmed.txt"}) in groups
    assert {frozenset({"followup.txt"}), frozenset({"dax.txt"}), frozenset({"mdax.txt"})} <= groups
    assert info["canonical:full.txt"] == "update.txt"  # the most complete version is canonical
    # one run processes the largest copy first: it founds the story, the others are held in it
    assert (info["teaser.txt"], info["trimmed.txt"], info["update.txt"]) == ("contained", "contained", "original")
    db = Database(url)
    with db.session() as session:
        assert {a.title for a in session.scalars(select(Article))} >= {TITLE, "Börse: DAX schließt fester"}
    db.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_order_gives_the_same_stories(tmp_path: Path, seed: int) -> None:
    folder = tmp_path / "world"
    folder.mkdir()
    pages = write_world(folder)
    reference_url = f"sqlite:///{tmp_path / 'ref.db'}"
    ingest([str(folder)], make_config(reference_url), progress=False)
    order = sorted(pages)
    random.Random(seed).shuffle(order)
    url = f"sqlite:///{tmp_path / 'shuffled.db'}"
    ingest([str(folder / name) for name in order], make_config(url), progress=False)
    assert stories(url)[0] == stories(reference_url)[0]
    assert stories(url)[1]["canonical:full.txt"] == "update.txt"


def test_clusters_and_show_list_every_source(tmp_path: Path) -> None:
    import json

    from tests.conftest import run_cli

    folder = tmp_path / "world"
    folder.mkdir()
    write_world(folder)
    url = f"sqlite:///{tmp_path / 's.db'}"
    run_cli("ingest", str(folder), "--db", url, check=True)
    (story,) = json.loads(run_cli("clusters", "--db", url, "--json", check=True).stdout)
    assert story["sources"] == 4 and story["title"] == TITLE
    assert story["relations"] == {"contained": 3, "original": 1}
    shown = json.loads(run_cli("show", story["id"], "--db", url, "--json", check=True).stdout)
    assert sorted(Path(s["uri"]).name for s in shown["sources"]) == ["full.txt", "teaser.txt", "trimmed.txt", "update.txt"]
    assert all(0 < s["similarity"] <= 1 for s in shown["sources"])
    assert "4 sources" in run_cli("clusters", "--db", url, check=True).stdout


def test_a_later_more_complete_copy_takes_the_canonical_place(tmp_path: Path) -> None:
    folder = tmp_path / "world"
    folder.mkdir()
    write_world(folder)
    url = f"sqlite:///{tmp_path / 's.db'}"
    ingest([str(folder / "full.txt"), str(folder / "teaser.txt")], make_config(url), progress=False)
    ingest([str(folder / "update.txt")], make_config(url), progress=False)  # tomorrow's run
    groups, info = stories(url)
    assert frozenset({"full.txt", "teaser.txt", "update.txt"}) in groups
    assert info["update.txt"] == "update"
    assert info["canonical:full.txt"] == "update.txt"
    assert info["full.txt"] == "original"  # the founding document stays the original


FEATURED = [  # a blog's featured post, printed in full beside every article (more prose than most of them)
    "Our readers' trip of the year went to the lakes of the north this summer: two weeks of hiking, "
    "sailing and long evenings by the water, with a guide who knows every path and every fisherman.",
    "We started in the old harbour town, where the ferry leaves for the islands every morning at eight, "
    "and walked along the shore to the first hut, which the forest service keeps open for walkers.",
    "On the third day the weather turned, and we spent an afternoon in the small museum of the village, "
    "which tells the story of the timber trade that built the town and the railway that ended it.",
    "The last week belonged to the boats: a sailing school lent us two dinghies, and everyone who wanted "
    "to learn was on the water by the end of it, even those who had never held a rope before.",
    "Next year's trip goes to the mountains in the south; the list for it opens in January, and members "
    "who signed up this year can book a week before everyone else.",
]
BRIEF_STORIES = [
    "The council approved the new bus timetable for the city centre on Tuesday; it takes effect in March "
    "and adds late services on weekends.",
    "After two years of building work the public pool at the park reopens on Saturday, and entry stays "
    "free for children under twelve.",
    "From next month the city library also opens on Sundays, the administration said on Monday, after a "
    "survey of its readers.",
    "A traffic light is to be built at the crossing in front of the primary school by the summer, after "
    "several accidents there last year.",
    "The market square will be planted with twenty new trees this autumn, and the benches removed last "
    "year are to come back, the mayor announced.",
    "An exhibition of more than three hundred photographs opens at the city museum on Friday, showing how "
    "the streets have changed since the war.",
    "The river footbridge closes for repairs from Monday for six weeks; walkers are asked to use the road "
    "bridge, where a temporary path has been marked.",
    "The fire brigade opens its doors to visitors on Sunday, with rides on the old engine for children and "
    "a demonstration of the new ladder truck.",
]


def test_pages_of_a_site_that_prints_the_same_long_prose_stay_apart(tmp_path: Path) -> None:
    """A site prints the same long prose on every page, more of it than most articles hold, so
    cleaning keeps it (a folder of copies of one story looks alike). The paragraphs the site
    repeats are no evidence of a copy: once the site's repeats are known, each of its pages is
    its own story, and a copy on another site still joins its story."""
    blog, wire = tmp_path / "blog", tmp_path / "wire"
    blog.mkdir()
    wire.mkdir()
    copied = min(range(len(BRIEF_STORIES)), key=lambda n: len(BRIEF_STORIES[n]))  # (a run reads larger files first)
    for n, story in enumerate(BRIEF_STORIES):
        paras = [story, story.replace(" the ", " that ", 1) + " More details will follow."]
        (blog / f"{n}.txt").write_text("\n".join(["Home", story.split(",")[0], *paras, *FEATURED, "Contact"]),
                                       encoding="utf-8")
        if n == copied:
            (wire / "copy.txt").write_text("\n".join(paras), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    ingest([str(blog), str(wire)], make_config(url), progress=False)
    groups, _ = stories(url)
    pages = {f"{n}.txt" for n in range(len(BRIEF_STORIES))}
    # the site's repeats are known once NEWSDEDUP_RECURRING_PROSE_MIN_DOCS - 1 (4) of its pages were read:
    # only those may have been taken for copies of each other
    merged = {name for g in groups if len(g & pages) > 1 for name in g & pages}
    assert len(merged) <= 4
    assert any({f"{copied}.txt", "copy.txt"} <= g for g in groups)
