"""fingerprint + dedup: exact copies, near copies, different stories, pinned parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from pipeline.context import RunContext
from pipeline.dedup.bands import layout
from pipeline.errors import StorageError
from pipeline.items import Document
from pipeline.stages.dedup import DedupStage
from pipeline.stages.fingerprint import FingerprintStage
from pipeline.stages.store import StoreStage
from pipeline.store.models import ArticleBand, ArticleOpening, IndexState
from pipeline.text.normalize import letters_key
from tests.conftest import make_config

STORY = (
    "The harbour authority on Monday approved a long-delayed plan to expand the northern container "
    "terminal, clearing the way for construction to begin next spring. The decision follows three years "
    "of consultation with residents, who had raised concerns about noise and traffic on the coastal road. "
    "Officials said the new design moves the main gate two kilometres inland and adds a rail link for most "
    "of the cargo. The chair told reporters the project would create about 1,200 jobs during construction. "
    "A residents' group said it would study the final documents before deciding whether to go to court."
)
OTHER = (
    "The vineyards of the valley expect the smallest harvest in thirty years this autumn after a spring "
    "of frost and a very dry summer, the chamber of agriculture said on Tuesday. Volumes could fall by "
    "nearly forty percent compared with the average of the last five years, and some estates lost almost "
    "all their grapes on the most exposed plots. Regional aid will cover only part of the losses."
)


def run(ctx: RunContext, text: str | list[str], uri: str) -> Document:
    doc = Document(uri=uri, sha256=uri, title="t", body=[text] if isinstance(text, str) else text)
    dedup = ctx_dedup(ctx)
    doc = FingerprintStage(ctx).process_item(doc)
    doc = dedup.process_item(doc)
    return StoreStage(ctx).process_item(doc)


def ctx_dedup(ctx: RunContext) -> DedupStage:
    if not hasattr(ctx, "_dedup"):
        ctx._dedup = DedupStage(ctx)  # type: ignore[attr-defined]
        ctx._dedup.open_spider()  # type: ignore[attr-defined]  # loads the index, as a run does
    return ctx._dedup  # type: ignore[attr-defined]


def test_exact_near_and_new(ctx: RunContext) -> None:
    ctx.open()
    first = run(ctx, STORY, "a")
    assert first.relation == "original"
    assert run(ctx, STORY, "b").relation == "exact"
    edited = STORY.replace("Monday", "Tuesday").replace("1,200", "1,300").replace("court", "the courts")
    near = run(ctx, edited, "c")
    assert (near.relation, near.article_id) == ("near", first.article_id)
    assert 0.7 <= near.similarity < 1.0
    other = run(ctx, OTHER, "d")
    assert other.relation == "original" and other.article_id != first.article_id


def test_stored_signatures_are_reloaded_in_a_new_run(sqlite_url: str) -> None:
    one = RunContext(make_config(sqlite_url))
    one.open()
    first = run(one, STORY, "a")
    one.close()
    two = RunContext(make_config(sqlite_url))
    two.open()
    again = run(two, STORY.replace("Monday", "Sunday"), "b")
    two.close()
    assert (again.relation, again.article_id) == ("near", first.article_id)


def test_signatures_made_with_other_parameters_are_refused(sqlite_url: str) -> None:
    one = RunContext(make_config(sqlite_url))
    one.open()
    run(one, STORY, "a")
    one.close()
    two = RunContext(make_config(sqlite_url, NEWSDEDUP_MINHASH_SEED=7))
    with pytest.raises(StorageError, match="signature made with"):
        DedupStage(two).load_index()
    two.close()


def test_a_lost_dedup_index_is_rebuilt_once_by_the_only_writer(sqlite_url: str) -> None:
    one = RunContext(make_config(sqlite_url))
    one.open()
    first = run(one, STORY, "a")
    for table in (ArticleOpening, ArticleBand, IndexState):  # as a database made by an older newsdedup
        one.session.execute(delete(table))
    one.close()

    two = RunContext(make_config(sqlite_url))
    two.open()
    teaser = " ".join(STORY.split()[:40]) + " […]"
    joined = run(two, teaser, "b")  # found by the story's opening, which the rebuild restored
    assert (joined.relation, joined.article_id) == ("contained", first.article_id)
    assert two.session.scalar(select(func.count()).select_from(ArticleOpening)) >= 1
    assert two.session.scalar(select(func.count()).select_from(ArticleBand)) == layout(two.config.dedup)[0]
    built = two.session.scalar(select(IndexState.built_at))
    two.close()

    three = RunContext(make_config(sqlite_url))
    three.open()
    DedupStage(three).load_index()  # the index is current: not rebuilt again
    assert three.session.scalar(select(IndexState.built_at)) == built
    three.close()


# Headlines of other stories that cleaning can leave above an article (a "latest news" box).
MENU = ["Mayor opens the new library in the old town hall on Saturday",
        "Local football club signs a young striker from the second division",
        "Weather service warns of heavy rain along the coast this weekend",
        "Council votes to extend the tram line to the university campus",
        "Police search for witnesses after a fire at the harbour warehouse",
        "Schools prepare for the new timetable after the summer holidays"]
LATER = (  # the rest of STORY's article
    "Work on the rail link is due to start first, so that lorries can be kept off the coastal road while "
    "the quay is rebuilt. The port expects traffic to double within fifteen years, mostly from the ferry "
    "lines to the islands and from the wind farms being built offshore, whose parts arrive by sea. "
    "Environmental groups welcomed the rail link but criticised the loss of a wetland next to the "
    "terminal, where several protected birds nest in spring. The authority promised a new wetland of "
    "twice the size further along the bay, to be planted before the first crane is moved."
)
THIRD = (
    "The city museum will reopen its east wing in March after two years of restoration work on the roof "
    "and the heating system, the director said. The collection of maritime paintings returns to its old "
    "rooms, and a new hall for children opens on the ground floor with free entry on Sundays."
)


@pytest.mark.parametrize("teaser_first", [False, True])
def test_a_teaser_finds_a_copy_whose_cleaning_kept_headlines_above_the_story(
        ctx: RunContext, teaser_first: bool) -> None:
    """The story's opening is indexed where it starts within NEWSDEDUP_OPENING_SPAN_WORDS, not
    only in the first paragraphs (here other stories' headlines): the teaser and the whole copy
    meet in either order."""
    ctx.open()
    teaser = " ".join(STORY.split()[:40]) + " […]"
    copy = [*MENU, STORY, LATER]
    first, second = (teaser, copy) if teaser_first else (copy, teaser)
    founder = run(ctx, first, "a")
    joined = run(ctx, second, "b")
    assert joined.article_id == founder.article_id
    assert joined.relation == ("update" if teaser_first else "contained")


def test_an_opening_too_many_articles_share_finds_none_of_them(db_url: str) -> None:
    """A line of boilerplate opening every article of an outlet (cleaning left it) is no
    evidence of a copy: past NEWSDEDUP_OPENING_MAX_ARTICLES articles, its key finds none."""
    boilerplate = "Sign up for our morning newsletter and get the best stories of the day"
    for limit, found in ((2, 0), (3, 3)):
        ctx = RunContext(make_config(db_url, NEWSDEDUP_OPENING_MAX_ARTICLES=limit))
        ctx.open()
        if limit == 2:
            for i, body in enumerate((STORY, OTHER, THIRD)):
                run(ctx, [boilerplate, body], f"outlet/{i}")
        probe = FingerprintStage(ctx).process_item(Document(uri="p", sha256="p", title="t",
                                                            body=[boilerplate, "A short note."]))
        assert len(ctx_dedup(ctx).index.candidates(probe)) == found
        ctx.close()


def test_a_figure_corrected_in_the_opening_leaves_its_key(ctx: RunContext) -> None:
    """Words holding a digit are left out of opening keys: the whole copy, its figure corrected
    in the first words, still finds the teaser that founded the story."""
    ctx.open()
    opening = "The 14 members of the harbour board on Monday approved a long-delayed plan"
    story = STORY.replace("The harbour authority on Monday approved a long-delayed plan", opening)
    teaser = run(ctx, " ".join(story.split()[:40]) + " […]", "a")
    corrected = run(ctx, [story.replace("The 14 members", "The 15 members"), LATER], "b")
    assert (corrected.relation, corrected.article_id) == ("update", teaser.article_id)


NEWS = [  # an update's news, put on top of STORY and LATER (about 160 words)
    "Update, Wednesday: The harbour authority's board has now signed the construction contracts for the "
    "northern container terminal, two days after the plan was approved, and named the consortium that will "
    "build the new quay. The first site offices are being set up next to the coastal road this week.",
    "The residents' group said on Wednesday evening that it had asked its lawyers to examine the signed "
    "contracts and the environmental studies attached to them, and that a decision on a complaint would be "
    "taken at a public meeting next month. The mayor called for calm and promised regular information "
    "evenings in the town hall while the work goes on, with a telephone line for complaints about noise "
    "and traffic, and a monthly report on the number of lorries using the coastal road.",
    "The consortium, led by a dredging company from the south, said it would hire local workers first "
    "and that the first stage of the rail link should be finished before the end of next year.",
]
OWN = [  # a follow-up's own text, above the short story it quotes whole (about 160 words)
    "The reopening of the museum's east wing, announced last week, has revived the debate about the cost of "
    "the restoration, which rose by nearly half during the two years of work on the roof and the heating.",
    "Opposition councillors asked on Thursday for an independent review of the contracts, saying the "
    "council had approved three extensions without a vote in the full assembly. The director defended the "
    "extra spending, saying the old roof had proved to be in a far worse state than the first surveys had "
    "shown, and that the collection could not have gone back into rooms without a stable temperature. "
    "The review, if the council agrees to it, would be carried out by the regional audit office before "
    "the budget debate in the autumn. A former director of the museum said on the radio that the delays "
    "had been foreseeable, since the first surveys were made in winter, when the roof could not be opened. "
    "Here is what the museum announced last week:",
]


def test_a_teaser_joins_a_story_whose_canonical_put_news_above_the_text_it_opens(db_url: str) -> None:
    """Every document's lead key is kept with its story: a teaser of the story's first text is
    held deep in an update that put news on top (the update came first, as the largest file
    does), and joins it; a short story a follow-up quoted whole, below its own text, and that
    story's teaser stay their own story (the follow-up's documents never opened with it)."""
    ctx = RunContext(make_config(db_url))
    ctx.open()
    update = run(ctx, [*NEWS, STORY, LATER], "update")
    original = run(ctx, [STORY, LATER], "original")
    assert (original.relation, original.article_id) == ("contained", update.article_id)
    teaser = run(ctx, " ".join(STORY.split()[:40]) + " […]", "teaser")
    assert (teaser.relation, teaser.article_id) == ("contained", update.article_id)
    follow_up = run(ctx, [*OWN, THIRD], "follow-up")
    quoted = run(ctx, THIRD, "quoted")
    assert (quoted.relation, follow_up.relation) == ("original", "original")
    quoted_teaser = run(ctx, " ".join(THIRD.split()[:30]) + " […]", "quoted-teaser")
    assert (quoted_teaser.relation, quoted_teaser.article_id) == ("contained", quoted.article_id)
    ctx.close()


def test_a_page_of_its_source_s_repeated_prose_only_is_no_part_of_another(ctx: RunContext) -> None:
    """A page whose text is all prose its source repeats (cleaning lost the page's own story to
    it) is found in every page of the source: it may be a copy of one, never ``contained``."""
    ctx.open()
    dedup = ctx_dedup(ctx)
    run(ctx, [STORY, LATER, OTHER], "site/a")
    doc = Document(uri="site/b", sha256="site/b", title="t", body=[OTHER],
                   repeated={letters_key(OTHER)})
    doc = dedup.process_item(FingerprintStage(ctx).process_item(doc))
    assert doc.furniture_only and doc.relation == "original"
    StoreStage(ctx).process_item(doc)
    doc = Document(uri="site/c", sha256="site/c", title="t", body=[OTHER, THIRD], repeated={letters_key(OTHER)})
    doc = FingerprintStage(ctx).process_item(doc)
    assert not doc.furniture_only and len(doc.match_tokens) < len(doc.tokens)  # matched on THIRD alone


def test_opening_keys_made_another_way_are_rebuilt(sqlite_url: str) -> None:
    """The index state names how opening keys are made: a database whose keys were made by an
    older version (here: its state says so) is re-indexed by the only writer, and its teasers
    are found by the new keys."""
    one = RunContext(make_config(sqlite_url))
    one.open()
    first = run(one, [*MENU, STORY, LATER], "a")  # the opening starts below the menu
    one.session.execute(delete(ArticleOpening))
    state = one.session.scalar(select(IndexState))
    state.params = state.params.split(";openings=")[0]  # as an older version wrote it
    one.close()

    two = RunContext(make_config(sqlite_url))
    two.open()
    joined = run(two, " ".join(STORY.split()[:40]) + " […]", "b")
    assert (joined.relation, joined.article_id) == ("contained", first.article_id)
    two.close()
