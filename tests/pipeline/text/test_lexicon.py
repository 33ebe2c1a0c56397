"""The boilerplate lexicon files and their format."""

from __future__ import annotations

from importlib import resources

import pytest

from pipeline.errors import ConfigError
from pipeline.text.lexicon import Lexicon

LANGS = ("de", "en", "fr", "es", "it")
CATEGORIES = {"comments", "related", "read_also", "ad", "newsletter", "share", "cookie", "copyright",
              "image_credit", "tags", "byline", "author_label", "source_label", "date_label", "months"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_file_parses_and_covers_every_category(lang: str) -> None:
    lex = Lexicon()
    text = (resources.files("pipeline") / "data" / "boilerplate" / f"{lang}.txt").read_text("utf-8")
    lex.add_file(text, lang)
    found = {cat for cat, _ in [*lex.whole.values(), *lex.prefixes.values(), *lex.labels.values()]}
    assert CATEGORIES - {"months"} <= found
    assert len(lex.name_list("months")) >= 12


def test_no_phrase_has_two_meanings_across_languages() -> None:
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for lang in LANGS:
        lex = Lexicon()
        lex.add_file((resources.files("pipeline") / "data" / "boilerplate" / f"{lang}.txt").read_text("utf-8"), lang)
        for kind, table in (("whole", lex.whole), ("prefix", lex.prefixes), ("label", lex.labels)):
            for phrase, meaning in table.items():
                assert seen.setdefault((kind, phrase), meaning) == meaning, (lang, phrase)


@pytest.mark.parametrize(("line", "header"), [
    ("16 Comments", True), ("1 comment:", True), ("{ 4 comments… read them below or add one }", True),
    ("2 thoughts on “Council renovates the old school”", True), ("One Response to “Council renovates”", True),
    ("14 comments to Council renovates the old school", True), ("One Comment", True),
    ("3 Gedanken zu „Gemeinderat saniert die Schule“", True), ("12 Antworten", True),
    ("Eine Antwort auf „Gemeinderat saniert die Schule“", True), ("Ein Kommentar", True),
    ("2 réflexions sur « Le conseil rénove l'école »", True), ("Une réponse à « Le conseil »", True),
    ("12 commentaires", True),
    # a word between the count and its noun
    ("8 appreciated comments on “New work: a logo”", True), ("12 neue Kommentare", True),
    ("3 nouveaux commentaires", True), ("1.234 Kommentare", True),
    # a subhead, a sentence, a count inside a sentence, a numbered list's item: no header
    ("Eine Antwort auf die Frage", False), ("Une réponse à la crise", False), ("One comment stood out", False),
    ("12 responses were received", False), ("He made 3 comments on the bill", False),
    ("One comment: the plan is flawed", False), ("9. Do comment on what others say", False),
    ("31. Further Thoughts on Preventing Padilla", False), ("3. Antworten auf die Kritik", False),
])
def test_a_count_of_comments_is_a_comments_header(line: str, header: bool) -> None:
    match = Lexicon.load(LANGS).match(line)
    assert (match is not None and (match.category, match.action) == ("comments", "cut")) == header, match


def test_whole_prefix_and_label_matching() -> None:
    lex = Lexicon()
    lex.add_file("[ad line]\nanzeige\nkurze werbeeinblendung …\n[image_credit line]\nfoto:\n", "t")
    assert lex.match("ANZEIGE (1)").category == "ad"
    assert lex.match("Anzeigenblatt") is None
    assert lex.match("Kurze Werbeeinblendung https://example.org/x").rest == "https://example.org/x"
    assert lex.match("Der Bürgermeister.Foto: Stadt/dpa").rest == "Stadt/dpa"
    assert lex.match("Fotografen waren da") is None
    assert lex.match("Der Bürgermeister im Rathaus | Foto: dpa").rest == "dpa"
    # a label inside a sentence is not one: "… Twitter Rolls Out Cover Photos: How to …"
    lex.add_file("[image_credit line]\nphotos:\n", "t")
    assert lex.match("As usual, the blog wrote this post: Twitter Rolls Out Cover Photos: How to Add Yours") is None
    assert lex.match("Le musée expose ses photos: des paysages de Provence pris entre 1950 et 1970.") is None
    assert lex.match("Die Ausstellung zeigt neue Foto: und Filmarbeiten aus dem Allgäu") is None


def test_prefix_and_label_phrases_ignore_long_lines() -> None:
    lex = Lexicon(max_words=5)
    lex.add_file("[read_also line]\nlesen sie auch …\n", "t")
    assert lex.match("Lesen Sie auch: Neue Radwege") is not None
    assert lex.match("Lesen Sie auch was der Minister dazu am Montag sagte") is None


def test_bad_files_give_clear_errors() -> None:
    with pytest.raises(ConfigError, match="before any"):
        Lexicon().add_file("anzeige\n", "t.txt")
    with pytest.raises(ConfigError, match="unknown action"):
        Lexicon().add_file("[ad zap]\nanzeige\n", "t.txt")
    with pytest.raises(ConfigError, match="no boilerplate lexicon"):
        Lexicon.load(("xx",))


@pytest.mark.parametrize("line,category", [
    ("ANZEIGE · Traumurlaub an der Ostsee – jetzt buchen", "ad"),
    ("Advertisement | Save 50% on your first box today", "ad"),
    ("Publicité : vos vacances en Bretagne à prix réduit", "ad"),
    ("Foto · dpa", "image_credit"),
])
def test_a_label_opens_a_line_with_a_colon_a_dot_or_a_bar(line: str, category: str) -> None:
    match = Lexicon.load(("de", "en", "fr")).match(line)
    assert match is not None and match.category == category


@pytest.mark.parametrize("line", [
    "Anzeige gegen Unbekannt erstattet",  # (a complaint to the police, not an ad)
    "Home | More | Contact",  # a menu: "more" is a label only where the line opens with it
    "Die Werbung · so sieht sie aus",  # the label is not the line's first word
])
def test_a_dot_or_a_bar_makes_a_label_only_at_the_line_s_start(line: str) -> None:
    match = Lexicon.load(("de", "en", "fr")).match(line)
    assert match is None or match.category != "ad"
