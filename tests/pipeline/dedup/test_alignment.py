"""The word alignment candidates are verified on: edits, trims and corrected figures stay one
story; template siblings put other facts in the same sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup.alignment import NAME, NUMBER, WORD, Alignment, Tokens, tokens
from pipeline.dedup.relations import relation
from settings.config import DedupOptions

OPTS = DedupOptions()
STORY = [
    "Firefighters battled a fast-moving wildfire north of Athens on Tuesday as strong winds pushed the flames "
    "towards several villages and the authorities ordered 3,000 residents to leave their homes.",
    "The fire broke out in the early afternoon in a pine forest near the town of Varnavas and spread quickly "
    "across the dry hills, according to the fire service, which sent 420 firefighters and 17 aircraft.",
    "Greece has suffered a series of destructive fires in recent summers, which scientists link to hotter and "
    "drier weather, and the government has promised to hire more seasonal firefighters next year.",
    "A spokesman for the civil protection ministry said on Tuesday evening that no one had been hurt so far, "
    "but that the situation remained difficult because the wind was expected to strengthen overnight.",
]


def align(text: list[str], canonical: list[str]) -> Alignment:
    return Alignment.of(tokens("\n\n".join(text), OPTS), tokens("\n\n".join(canonical), OPTS), OPTS)


def judged(text: list[str], canonical: list[str]) -> str | None:
    a = align(text, canonical)
    if a.other_facts(OPTS):
        return "other-facts"
    return relation(a, 12, OPTS)[0]


def test_kinds_of_word() -> None:
    t = Tokens.of("The DAX rose 1.2 percent. Siemens led, said Anna in Berlin.", 100)
    # (a capital opening a sentence is no name: "The", "Siemens")
    assert list(t.kinds) == [WORD, NAME, WORD, NUMBER, WORD, WORD, WORD, WORD, NAME, WORD, NAME]


def test_an_edited_trimmed_copy_with_a_dateline_joins_its_story() -> None:
    edited = ["ATHENS (AP) - " + STORY[0].replace("strong winds", "strong, gusting winds"),
              STORY[1].replace("quickly", "very quickly") + " " + STORY[3].replace("said", "stated")]
    assert judged(edited, STORY) in ("near", "contained")
    assert judged(edited[:1], STORY) == "contained"


def test_a_teaser_is_contained_and_aligned_with_the_opening() -> None:
    teaser = [STORY[0], " ".join(STORY[1].split()[:12])]
    a = align(teaser, STORY)
    assert judged(teaser, STORY) == "contained" and a.canonical_start == 0


def test_one_corrected_figure_is_still_the_story() -> None:
    corrected = [STORY[0].replace("3,000", "3,500"), *STORY[1:]]
    a = align(corrected, STORY)
    assert a.number_conflicts == 1 and not a.other_facts(OPTS)
    assert judged(corrected, STORY) == "near"


def test_template_siblings_are_other_stories() -> None:
    def report(index: str, move: str, pct: str, close: str, firm: str, other: str) -> list[str]:
        return [f"The {index} {move} {pct} percent on Tuesday to close at {close} points, as investors weighed the "
                "latest company results and the outlook for interest rates in the coming months.",
                f"Shares of {firm} led the market after the company reported quarterly sales ahead of forecasts, "
                f"while {other} lost ground after cutting its guidance for the rest of the year."]
    a = report("FTSE 100", "rose", "1.2", "8,231", "Vodafone", "Shell")
    b = report("CAC 40", "fell", "0.4", "7,118", "Siemens", "BMW")
    assert judged(a, b) == "other-facts"
    assert judged(a, a) == "near"


def test_a_follow_up_quoting_a_paragraph_is_another_story() -> None:
    other = ["The European Commission proposed on Wednesday new rules for the sale of electric cars, which would "
             "require carmakers to publish the real range of their vehicles in winter conditions.",
             "Consumer groups welcomed the plan but said it came too late for many drivers, and industry groups "
             "warned that the tests would add costs that buyers would end up paying.",
             "The proposal must now be approved by the member states and the European Parliament, a process that "
             "usually takes at least two years, officials said."]
    follow_up = other[:2] + [STORY[2]] + other[2:]
    assert judged(follow_up, STORY) is None
    assert judged(STORY, follow_up) is None


NOISE = ["Most read", "Stocks slip as investors await the central bank decision",
         "Five things you need to know before the weekend", "Sign up for our morning briefing",
         "How Google makes $100 million a day and how it lost $21 billion last week, in charts",
         "Microsoft offers Windows accounts to developers for just $8 this month", "Contact", "Privacy"] * 4


def test_headline_lists_left_around_a_copy_weigh_less_than_another_storys_prose() -> None:
    """A copy whose page noise cleaning left (headline lists, menus: no sentences) still holds
    its story; a follow-up whose extra text is prose does not, though it is shorter."""
    a = align(STORY + NOISE, STORY)
    assert a.text_words > 2 * a.canonical_words  # most of its words are noise
    assert judged(STORY + NOISE, STORY) in ("near", "update") and judged(STORY, STORY + NOISE) in ("near", "contained")
    assert a.longest_extra == 0  # (no passage of prose more: the copy does not take the canonical's place)
    other = ["The European Commission proposed on Wednesday new rules for the sale of electric cars, which would "
             "require carmakers to publish the real range of their vehicles in winter conditions.",
             "Consumer groups welcomed the plan but said it came too late for many drivers, and industry groups "
             "warned that the tests would add costs that buyers would end up paying."] * 2
    assert judged(STORY[:2] + other, STORY) is None


def test_prose_is_a_long_line_that_ends_like_a_sentence() -> None:
    t = Tokens.of(f"{STORY[0]}\n\nA short line.\n\n{STORY[1][:-1]} and more", 1000)
    n0, n1 = len(Tokens.of(STORY[0], 1000)), 3
    assert set(t.prose[:n0]) == {1} and set(t.prose[n0:n0 + n1]) == {0} and set(t.prose[n0 + n1:]) == {0}


words = st.lists(st.sampled_from(["the", "fire", "Athens", "12", "said", "wind", "and", "Greece", "3"]), max_size=60)


@settings(max_examples=200, deadline=None)
@given(words, words)
def test_alignment_is_bounded_and_symmetric(a: list[str], b: list[str]) -> None:
    x, y = Tokens.of(" ".join(a), 1000), Tokens.of(" ".join(b), 1000)
    ab, ba = Alignment.of(x, y, OPTS), Alignment.of(y, x, OPTS)
    assert 0 <= ab.matched <= min(len(x), len(y))
    assert 0.0 <= ab.text_in_canonical <= 1.0 and 0.0 <= ab.similarity <= 1.0
    assert ab.longest_extra <= len(x) and ab.longest_missing <= len(y)
    if a == b:
        assert ab.matched == len(x) and ab.conflicts == 0
    assert ab.similarity == ba.similarity or abs(ab.matched - ba.matched) <= 2 * OPTS.align_run_words


def test_the_words_aligned_are_bounded() -> None:
    assert len(Tokens.of("word " * 50_000, 10_000)) == 10_000



PROSE = ("the council said on the first day that its plan would be reviewed by a committee before the "
         "vote while stories of corruption could be ignored because they simply cannot be stood up").split()
OTHER = ("residents of several villages were told to leave their homes as strong winds pushed flames "
         "towards houses near forests in dry hills north of town").split()


@settings(max_examples=100, deadline=None)
@given(st.integers(10, 30), st.integers(0, 60), st.integers(0, 9), st.integers(200, 600), st.randoms())
def test_a_teaser_of_the_lead_is_found_at_the_opening_even_when_repeated_below(
        length: int, lead: int, changed: int, gap: int, rng) -> None:
    """The canonical opens with a passage (one word of it other than the teaser's) and says it
    again, word for word, hundreds of words further down (a standfirst repeated): the teaser
    still starts at the opening."""
    opts = DedupOptions()
    passage = [rng.choice(PROSE) for _ in range(length)]
    opening = list(passage)
    opening[changed % length] = "meanwhile"
    filler = [rng.choice(OTHER) for _ in range(lead + gap)]
    canonical = " ".join([*filler[:lead], *opening, *filler[lead:], *passage, *filler])
    a = Alignment.of(tokens(" ".join(passage), opts), tokens(canonical, opts), opts)
    assert a.canonical_start <= lead + length


def test_a_rewrite_that_moves_paragraphs_is_the_same_story() -> None:
    """A desk rewrite puts the wire story's paragraphs in another order: the passages moved are
    matched too (the in-order alignment alone finds one order only), and it joins as ``near``."""
    opts = DedupOptions()
    paras = [
        "Firefighters battled a fast-moving wildfire north of Athens on Tuesday as strong winds pushed the flames.",
        "The fire broke out in the early afternoon in a pine forest and spread quickly across the dry hills.",
        "More than 500 firefighters, 17 aircraft and dozens of volunteers were sent to the area, the service said.",
        "Greece has suffered a series of destructive fires in recent summers, which scientists link to hotter weather.",
        "Residents of four villages were told to leave their homes, and several roads were closed to traffic.",
        "A spokesman for the ministry said that no one had been hurt so far and that the wind was expected to drop.",
    ]
    rewrite = [paras[3], paras[0], paras[4], paras[1], paras[5], paras[2]]
    a = Alignment.of(tokens("\n\n".join(rewrite), opts), tokens("\n\n".join(paras), opts), opts)
    assert a.matched == len(tokens("\n\n".join(paras), opts))
    assert relation(a, 12, opts)[0] == "near"
    assert a.longest_extra == 0 and a.longest_missing == 0
    in_order = Alignment.of(tokens("\n\n".join(rewrite), opts), tokens("\n\n".join(paras), opts),
                            DedupOptions(align_moved_passes=0))
    assert relation(in_order, 12, opts)[0] is None  # what the in-order alignment alone says
