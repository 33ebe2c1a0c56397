"""Every regular expression that reads untrusted text runs in linear time on its worst cases
(issue 15): long runs of the characters it matches are read once, never backtracked over."""

from __future__ import annotations

import importlib
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.context import RunContext
from pipeline.stages import clean
from pipeline.text import dates, normalize
from pipeline.text.dates import DateFinder
from tests.conftest import make_config

MODULES = [
    "pipeline.text.normalize", "pipeline.text.lexicon", "pipeline.text.dates", "pipeline.text.bylines",
    "pipeline.text.stopwords", "pipeline.text.controls", "pipeline.dedup.relations", "pipeline.dedup.signatures", "pipeline.dedup.bands",
    "pipeline.dedup.index", "pipeline.query.search", "pipeline.crawl.urls", "pipeline.stages.clean",
    "pipeline.stages.extract", "pipeline.stages.metadata", "pipeline.stages.recurring",
    "pipeline.stages.fingerprint", "pipeline.stages.dedup", "pipeline.stages.store", "pipeline.stages.seen",
    "spiders.base", "spiders.feeds", "spiders.sitemaps", "spiders.sites", "spiders.files",
]  # decode.py is tested with the decode stage
MATCH_ONLY = {"normalize._at_least"}  # used with .match only: a search would try every start


def _patterns() -> dict[str, re.Pattern[str]]:
    found = {f"{name}.{attr}": value for name in MODULES
             for attr, value in vars(importlib.import_module(name)).items() if isinstance(value, re.Pattern)}
    stage = clean.CleanStage(RunContext(make_config(), offline=True))  # patterns built from the lexicon
    found.update({f"CleanStage.{attr}": v for attr, v in vars(stage).items() if isinstance(v, re.Pattern)})
    found["NameParser.separators"] = stage.names.separators
    found.update({f"DateFinder.{kind}": p for kind, p in stage.dates.patterns})
    assert stage.lexicon._label_re is not None
    found["Lexicon._label_re"] = stage.lexicon._label_re
    assert stage.lexicon._label_sep_re is not None
    found["Lexicon._label_sep_re"] = stage.lexicon._label_sep_re
    assert stage.lexicon._count_re is not None
    found["Lexicon._count_re"] = stage.lexicon._count_re
    found["normalize._at_least"] = normalize._at_least(12)
    return found


PATTERNS = _patterns()
N = 20_000  # characters: a pattern that backtracks over a run takes seconds here, a linear one milliseconds
PIECES = [" ", "\u00a0", "a", "a.", "a-", "1", "1.", "<!---->", "a ", "A ", "(", "[", "-", "…", "a@", "a,", "| ",
          ": ", ". ", ".", "Berlin.", "15. März ", "the same words again ", "\x1b[", "\x1b[1", "\x1b]", "&#1", "&#x"]
WORST = {repr(p): p * (N // len(p)) + "!" for p in PIECES}
WORST.update({f"{head!r} then spaces": head + " " * N + "x"
              for head in ("15.08.2022", "12:30", "Berlin", "x@a.b", "3 comments", "Anna says")})


def run(pattern: re.Pattern[str], name: str, text: str) -> float:
    start = time.perf_counter()
    pattern.match(text)
    if name not in MATCH_ONLY:
        for _ in pattern.finditer(text):
            pass
    return time.perf_counter() - start


def test_the_patterns_are_found() -> None:
    assert len(PATTERNS) >= 30 and "NameParser.separators" in PATTERNS and "pipeline.stages.clean._EMAIL" in PATTERNS


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_each_pattern_reads_its_worst_cases_in_linear_time(name: str) -> None:
    slow = {case: seconds for case, text in WORST.items() if (seconds := run(PATTERNS[name], name, text)) > 0.5}
    assert not slow, f"{name} took over 0.5 s on {N:,} characters of: {slow}"


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 3000)), min_size=1, max_size=4))
def test_any_mix_of_long_runs_is_read_in_linear_time(parts: list[tuple[str, int]]) -> None:
    text = "".join(piece * n for piece, n in parts)[:N]
    for name in ("NameParser.separators", "pipeline.stages.clean._DATE_REST_SPLIT", "pipeline.stages.clean._EMAIL",
                 "pipeline.stages.clean._TEASER_END", "DateFinder.dmy", "pipeline.stages.clean._CLOCK"):
        assert run(PATTERNS[name], name, text) < 0.5, name


# The patterns as they were before: rewritten to be linear, they must still find the same things.
OLD = {
    "_EMAIL": r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    "_TEASER_END": r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*$",
    "_TRAILING_CREDIT": r"\s*\(([^()]{2,40})\)\s*$",
    "_LEADING_DATELINE": r"^(?P<place>[A-ZÄÖÜÀ-Þ][\w.'-]*(?:\s[A-ZÄÖÜÀ-Þ][\w.'-]*){0,2})\s*"
                         r"(?:\((?P<agency>[^()]{2,30})\))?\s*[-–—]\s+(?=\S)",
    "_DATE_REST_SPLIT": r"\s*(?:[|·•,]|\s[-–—]\s)\s*",
    "_CLOCK": r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?(?:\s+[A-Z]{2,4}\b)?",
    "_TIME": (r"(?:,?\s*(?:um|at|à|a las|alle|-)?\s*(\d{1,2})[.:h](\d{2})(?::\d{2})?"
              r"\s*(?:([ap])\.?\s?m\b\.?)?(?:\s*uhr)?(?:\s+\(?[A-Z]{2,5}\)?(?!\w))?)?"),
}
TEXT = st.lists(st.sampled_from([" ", "  ", "\u00a0", ",", "|", "-", "–", "…", "...", "(", ")", "[", "]", ".", ":",
                                 "@", "a", "Berlin", "dpa", "x.de", "und", "and", "12:30", "5.45", "Uhr", "pm",
                                 "CET", "15.08.2022", "3. März 2021", "May 4, 2020", "um", "h"]),
                max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_the_linear_patterns_find_what_the_old_ones_found(text: str) -> None:
    old = {name: re.compile(p, re.IGNORECASE if name in ("_CLOCK",) else 0) for name, p in OLD.items()}
    if old["_EMAIL"].search(text):
        assert clean._EMAIL.search(text)
    assert (old["_TEASER_END"].search(text) is None) == (clean._TEASER_END.search(text) is None)
    assert old["_TEASER_END"].sub("", text) == clean._TEASER_END.sub("", text)
    was, now = old["_TRAILING_CREDIT"].search(text), clean._TRAILING_CREDIT.search(text)
    assert (was and (was.group(1), text[:was.start()].rstrip())) == (now and (now.group(1), text[:now.start()].rstrip()))
    was, now = old["_LEADING_DATELINE"].match(text), clean._LEADING_DATELINE.match(text)
    assert (was and (was.groupdict(), was.end())) == (now and (now.groupdict(), now.end()))
    # The parts that say something, without the separators at their ends (a dash after ", "
    # was left to the next part by the old pattern, as in ", - a"; the new one splits there too)
    def said(parts: list[str]) -> list[str]:
        return [p.strip().strip("-–—").strip() for p in parts if any(c.isalnum() for c in p)]
    assert said(old["_DATE_REST_SPLIT"].split(text)) == said(clean._DATE_REST_SPLIT.split(text))
    assert old["_CLOCK"].sub(" ", text) == clean._CLOCK.sub(" ", text)


def test_names_and_dates_are_read_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    stage = clean.CleanStage(RunContext(make_config(), offline=True))
    new = stage.dates
    monkeypatch.setattr(dates, "_TIME", OLD["_TIME"])
    old = DateFinder(stage.lexicon)
    for text in ["am 15.08.2022 um 12:30 Uhr", "15.08.2022, 5.45 pm CET", "3. März 2021 - 14:00", "May 4, 2020 at 9:15 am",
                 "le 3 mars 2021 à 14h30", "15.08.2022   ", "Anna Roth und Max Muster, 15.08.2022 12:30 (CET)"]:
        a, b = old.find(text), new.find(text)
        assert (a.value, a.start, a.end) == (b.value, b.start, b.end), text
    parser = stage.names
    for text in ["Anna Roth und Max Muster", "Anna Roth, Max Muster & Eva Klein", "Jane Doe and John Roe | Staff",
                 "Anna Roth  und  Max Muster", "Anna Rothund Max Muster", "Jean Dupont et Marie Curie"]:
        assert _parts(parser.separators, text) == _parts(_old_separators(stage), text), text


def _parts(separators: re.Pattern[str], text: str) -> list[str]:
    return [part for part in (p.strip() for p in separators.split(text)) if part]


def _old_separators(stage: clean.CleanStage) -> re.Pattern[str]:
    joiners = sorted(map(re.escape, stage.lexicon.name_list("name_joiners")), key=len, reverse=True)
    return re.compile(r"\s*(?:,|;|&|\s*\|\s*" + "".join(rf"|\s+{j}\s+" for j in joiners) + r")\s*", re.IGNORECASE)
