"""The clean stage: each rule, on pages written for the tests (not the seeds), in several languages."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

from pipeline.context import RunContext
from pipeline.errors import DocumentFailed
from pipeline.items import Document
from pipeline.stages.clean import CleanStage
from pipeline.text.lexicon import Lexicon
from tests.conftest import PAGES, SEEDS, make_config, text_doc

PARA_DE = ("Der Gemeinderat hat am Dienstagabend nach langer Debatte beschlossen, die alte Schule "
           "am Marktplatz zu sanieren und dort ein Bürgerzentrum einzurichten.")
PARA_DE2 = ("Die Arbeiten sollen im kommenden Frühjahr beginnen und rund zwei Jahre dauern, teilte "
            "die Verwaltung mit, die Kosten trägt zum großen Teil das Land.")
PARA_EN = ("The city council voted on Tuesday night to renovate the old school on the market square "
           "and turn it into a community centre after a long debate.")
PARA_EN2 = ("Work is due to start next spring and take about two years, the administration said, "
            "with most of the cost covered by the state government.")


def clean(ctx: RunContext, text: str) -> Document:
    return CleanStage(ctx).process(text_doc(text))


def verdict(doc: Document, startswith: str) -> str:
    return next(v.reason for v in doc.verdicts if v.text.startswith(startswith))


def test_title_is_first_headline_and_menu_lines_before_it_drop(ctx: RunContext) -> None:
    doc = clean(ctx, f"Home\nPolitik\n\nGemeinderat saniert die alte Schule am Marktplatz\n\n{PARA_DE}\n{PARA_DE2}")
    assert doc.title == "Gemeinderat saniert die alte Schule am Marktplatz"
    assert verdict(doc, "Home") == "before-title"
    assert verdict(doc, "Politik") == "before-title"
    assert doc.body == [PARA_DE, PARA_DE2]


OPENING_HEADLINES = {  # a pasted story's first line, sharing no word with its text
    "de": "Schwere Unwetter über Süddeutschland",
    "en": "What happens to the building now?",
    "fr": "Une nuit que la ville n'oubliera pas",
}


@pytest.mark.parametrize("lang", sorted(OPENING_HEADLINES))
@pytest.mark.parametrize("between", ["", "meta"])
def test_the_first_line_of_a_pasted_story_is_its_headline(ctx: RunContext, lang: str, between: str) -> None:
    """A page that opens with a short line, a blank line and the story: that line is the title,
    whatever words it shares with the text (a byline may stand between)."""
    byline = {"de": "Von Anna Berger", "en": "By Anna Berger", "fr": "Par Anna Berger"}[lang]
    head = [OPENING_HEADLINES[lang], "", *([byline, ""] if between else [])]
    doc = clean(ctx, "\n".join([*head, paras(lang)[0], "", paras(lang)[1]]))
    assert doc.title == OPENING_HEADLINES[lang]
    assert doc.body == paras(lang)


def test_a_first_line_that_is_no_block_of_its_own_or_no_headline_is_not_the_title(ctx: RunContext) -> None:
    """The rule is position and shape: a menu word, or a first line run together with the next
    lines (a menu), is not taken for the headline."""
    for text in (f"Home\n\n{PARA_EN}\n\n{PARA_EN2}", f"Everything changes on Monday for everyone\nSport\n{PARA_EN}\n{PARA_EN2}"):
        doc = clean(ctx, text)
        assert doc.title == ""
        assert doc.body == [PARA_EN, PARA_EN2]


def test_repeated_title_is_dropped_and_body_does_not_start_with_it(ctx: RunContext) -> None:
    title = "Council renovates the old school on the square"
    doc = clean(ctx, f"{title}\n\n{title}\n{PARA_EN}\n{PARA_EN2}")
    assert doc.body[0] == PARA_EN
    reasons = [v.reason for v in doc.verdicts]
    assert doc.title == title and reasons.count("title") == 1 and reasons.count("title-repeat") == 1


@pytest.mark.parametrize("line,reason", [
    ("Anzeige", "ad"), ("Advertisement", "ad"), ("Publicité", "ad"),
    ("Lesen Sie auch: Neue Radwege bis 2025", "read_also"),
    ("Read more: Port strike ends after two weeks", "read_also"),
    ("Lire aussi : La sécheresse menace les cultures", "read_also"),
    ("Teilen", "share"), ("Share this article", "share"), ("Partager", "share"),
    ("Jetzt Newsletter abonnieren und nichts verpassen", "newsletter"),
    ("Subscribe to our newsletter for daily updates", "newsletter"),
    ("Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten", "cookie"),
    ("Alle Rechte vorbehalten", "copyright"),
    ("Photo: Jane Doe/Getty Images", "image_credit"),
    ("Crédit photo : Jean Martin", "image_credit"),
    ("Follow us on Facebook, Instagram and TikTok for more", "share"),
    ("Replies (3)", "comments"),
    ("This is only a preview. Your comment has not yet been posted.", "comment_form"),
    ("Dein Kommentar wird vor der Veröffentlichung geprüft.", "comment_form"),
    ("Soyez le premier à commenter cet article", "comment_form"),
])
def test_lexicon_phrases_drop_lines_in_each_language(ctx: RunContext, line: str, reason: str) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{line}\n{PARA_EN2}")
    assert verdict(doc, line) == reason
    assert line not in doc.body


def test_comments_header_cuts_the_rest_once_the_article_has_begun(ctx: RunContext) -> None:
    comment = "I really think the council should have spent this money on the roads instead of a school."
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{PARA_EN2}\nComments\n{comment}")
    assert doc.body == [PARA_EN, PARA_EN2]
    assert verdict(doc, comment) == "after-comments"


def test_comment_count_above_the_article_does_not_cut_it(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\nComments\n{PARA_EN}\n{PARA_EN2}")
    assert doc.body == [PARA_EN, PARA_EN2]


def test_related_box_drops_its_link_lines_but_not_the_paragraph_after(ctx: RunContext) -> None:
    doc = clean(ctx, "Gemeinderat saniert die alte Schule am Marktplatz\n"
                     f"{PARA_DE}\nMehr zum Thema\nNeue Buslinie im Norden\nBaustelle dauert länger\n{PARA_DE2}")
    assert verdict(doc, "Neue Buslinie") == "in-related"
    assert doc.body == [PARA_DE, PARA_DE2]


def test_a_related_header_below_nearly_all_the_article_ends_it(ctx: RunContext) -> None:
    other = "Another story entirely: the regional airport reports record passenger numbers for the summer season."
    more = [PARA_EN.replace("Tuesday", day) for day in ("Monday", "Wednesday", "Friday")]
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{PARA_EN2}\n" + "\n".join(more)
                + f"\nMore from the city desk\n{other}\n{other.replace('airport', 'harbour')}")
    assert other not in doc.body
    assert doc.body[:2] == [PARA_EN, PARA_EN2]


def test_teaser_shown_in_full_later_is_kept_once(ctx: RunContext) -> None:
    teaser = PARA_EN[:70].rstrip() + " […]"
    doc = clean(ctx, f"Council renovates the old school on the square\n{teaser}\n\n{PARA_EN}\n{PARA_EN2}")
    assert verdict(doc, teaser) in ("repeat", "outside-article")  # a cut-off line also ends the article run
    assert doc.body == [PARA_EN, PARA_EN2]


def test_caption_repeated_with_its_photo_credit_is_dropped(ctx: RunContext) -> None:
    caption = "Der Bürgermeister bei der Abstimmung im Rathaus."
    doc = clean(ctx, f"Gemeinderat saniert die alte Schule am Marktplatz\n{PARA_DE}\n{caption}\n"
                     f"{caption}Foto: Stadt/dpa\n{PARA_DE2}")
    assert doc.body == [PARA_DE, PARA_DE2]


def test_exact_repeat_of_a_paragraph_is_kept_once(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{PARA_EN2}\n{PARA_EN}")
    assert doc.body == [PARA_EN, PARA_EN2]


def test_tags_lines_and_lone_platform_names_are_dropped(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\nFacebook\nWhatsApp\n"
                     f"Filed under schools, council, renovation\n{PARA_EN2}\nSchlagwörter: Schule, Stadtrat")
    assert doc.body == [PARA_EN, PARA_EN2]


def test_shortcodes_and_counters_are_dropped(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n[related_posts ids=\"12,13\"]\n"
                     f"{PARA_EN}\n0\n{PARA_EN2}")
    assert doc.body == [PARA_EN, PARA_EN2]


def test_bylines_dates_and_credits_become_metadata_not_text(ctx: RunContext) -> None:
    doc = clean(ctx, "Gemeinderat saniert die alte Schule am Marktplatz\nVon Petra Lang und Uwe Kern\n"
                     f"Aktualisiert am 2. März 2024, 10:15 Uhr\nBonn (dpa) - {PARA_DE}\n{PARA_DE2} (epd)\nab/kna")
    kinds = dict(doc.meta_lines)
    assert ("author", "Petra Lang und Uwe Kern") in doc.meta_lines
    assert "date" in kinds
    assert {text for kind, text in doc.meta_lines if kind == "credit"} == {"dpa", "epd", "ab/kna"}
    assert doc.body == [PARA_DE, PARA_DE2]


def test_source_label_names_the_next_line_as_credit(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{PARA_EN2}\nSource\nexample.org")
    assert ("credit", "example.org") in doc.meta_lines
    assert doc.body == [PARA_EN, PARA_EN2]


def test_author_box_label_names_the_next_line_and_drops_name_echoes(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n"
                     f"Jane DoeJ\nAbout the author\nJane Doe\n{PARA_EN2}")
    assert ("author", "Jane Doe") in doc.meta_lines
    assert verdict(doc, "Jane DoeJ") == "author-box"
    assert doc.body == [PARA_EN, PARA_EN2]


def test_short_lines_around_the_article_are_outside_it(ctx: RunContext) -> None:
    doc = clean(ctx, f"Home\nSport\nCouncil renovates the old school on the square\n{PARA_EN}\n{PARA_EN2}\n"
                     "Sport\nWeather\nContact\nA headline of another story on the site\nJobs")
    assert verdict(doc, "Home") == "before-title"
    assert verdict(doc, "Weather") == "outside-article"
    assert verdict(doc, "A headline of another") == "outside-article"
    assert doc.body == [PARA_EN, PARA_EN2]


def test_the_article_is_the_best_run_of_paragraphs_not_the_first_long_line(ctx: RunContext) -> None:
    menu = "\n".join(["News", "Got a news tip for our reporters?", "Press releases", "Advertise with us",
                      "About", "Newsletters", "Jobs"])
    teaser = "Another story: the mayor opens the new bridge across the river after three years of works."
    doc = clean(ctx, f"{menu}\n{teaser}\nSport\nMore\nCulture\nCouncil renovates the old school on the square\n"
                     f"{PARA_EN}\n{PARA_EN2}\nMost read\nTrending\nVideo")
    assert doc.title == "Council renovates the old school on the square"
    assert doc.body == [PARA_EN, PARA_EN2]


def test_subheads_between_paragraphs_are_kept(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\nA long wait\n{PARA_EN2}")
    assert doc.body == [PARA_EN, "A long wait", PARA_EN2]


@pytest.mark.parametrize("line,meta", [
    ("PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: 11:05, Tue, Nov 19, 2019", ("date", None)),
    ("By HNN Staff | November 18, 2019 at 2:26 PM HST - Updated November 18 at 4:46 PM", ("author", "HNN Staff")),
    ("Von Petra Lang | 3. Mai 2024, 14:20 Uhr", ("author", "Petra Lang")),
    ("Mis à jour le 3 mai 2024 à 14h20", ("date", None)),
    ("Monday November 18, 2019 7:45 am PST by Joe Rossignol", ("author", "Joe Rossignol")),
    ("UPDATED: Tue., Nov. 19, 2019", ("date", None)),
    ("Nov. 18, 2019 7:04 pm ET", ("date", None)),
    ("Nov 15, 20195:45 AM", ("date", None)),
    ("By Matthew Digby , Minh Do on Monday, November 18th, 2019 at 11:08 a.m.", ("author", "Matthew Digby, Minh Do")),
    ("Posted by Michael David Smith on November 19, 2019, 6:21 AM EST", ("author", "Michael David Smith")),
    ("By Sandee LaMotte, CNN", ("author", "Sandee LaMotte")),
    ("By Megan Rowe meganr@example.com (509) 459-5382", ("author", "Megan Rowe")),
    ("Von Petra Lang, dpa", ("credit", "dpa")),
])
def test_busy_byline_and_date_lines_are_metadata(ctx: RunContext, line: str, meta: tuple) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{line}\n{PARA_EN}\n{PARA_EN2}")
    assert line not in doc.body
    kind, value = meta
    assert any(k == kind and (value is None or v == value) for k, v in doc.meta_lines), doc.meta_lines


def test_a_lone_by_names_the_next_line(ctx: RunContext) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\nBy\nRandy Maniloff\n{PARA_EN}\n{PARA_EN2}")
    assert ("author", "Randy Maniloff") in doc.meta_lines
    assert doc.body == [PARA_EN, PARA_EN2]


@pytest.mark.parametrize("line", [
    "Click to share on Facebook (Opens in new window)", "You must be logged in to post a comment.",
    "This slideshow requires JavaScript.", "Related: Port strike ends after two weeks",
    "Cliquez pour partager sur Twitter", "Die Kommentarfunktion ist geschlossen.",
])
def test_generic_site_furniture_is_dropped(ctx: RunContext, line: str) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{line}\n{PARA_EN2}")
    assert line not in doc.body


@pytest.mark.parametrize("line", [
    "Von Berlin aus fuhr der Zug weiter nach Hamburg, wo er am Abend ankam.",
    "By the end of the week, the council had still not published the figures.",
    "Am 15.08.2022 starb er.",
    "Par ailleurs, la mairie a promis une réunion publique avant l'été.",
])
def test_sentences_that_start_like_metadata_stay_text(ctx: RunContext, line: str) -> None:
    doc = clean(ctx, f"Council renovates the old school on the square\n{PARA_EN}\n{line}\n{PARA_EN2}")
    assert line in doc.body


def test_too_little_text_fails(ctx: RunContext) -> None:
    with pytest.raises(DocumentFailed) as info:
        clean(ctx, "Home\nNews\nCouncil renovates the old school\nShare\nComments")
    assert info.value.reason == "no-text"


TEASER_HEADER = ["Skip to main content", "Home", "World", "Business", "Sport", "Subscribe", "Sign in", "Search",
                 "Advertisement", "Menu", "Newsletter"]
BLURBS = {  # the short blurbs of a list of other stories, and prose in the footer
    "en": ["Most read", "Stocks slip as investors await the central bank decision …",
           "Five things you need to know before the weekend …",
           "We welcome comments from our readers, but please keep them civil and on topic; abusive comments "
           "will be removed by our moderators without notice.",
           "Our journalism is funded by readers like you. Support independent reporting today and get full "
           "access to every story on our site."],
    "de": ["Meistgelesen", "Neue Regeln für Mieter ab Januar …", "Bahn kündigt für die kommende Woche Streik an …",
           "Wir freuen uns über Ihre Kommentare. Bitte bleiben Sie sachlich; beleidigende Beiträge werden von "
           "unserer Redaktion ohne Vorankündigung entfernt.",
           "Unabhängiger Journalismus braucht Ihre Unterstützung: Jetzt Abonnent werden und alle Artikel lesen."],
    "fr": ["Les plus lus", "La Bourse de Paris recule avant la décision de la banque centrale …",
           "Cinq choses à savoir avant le week-end …",
           "Nous vous remercions de vos commentaires. Merci de rester courtois ; les messages injurieux seront "
           "supprimés par notre équipe de modération sans préavis.",
           "Notre journalisme est financé par nos lecteurs : abonnez-vous pour lire tous les articles du site."],
}
TEASERS = {
    "en": ("Wildfire forces thousands to flee homes near Athens",
           ["Firefighters battled a fast-moving wildfire north of Athens on Tuesday as strong winds pushed the "
            "flames towards several villages and the authorities ordered residents to leave.",
            "The fire broke out in the early afternoon in a pine forest near the town of Varnavas and spread "
            "quickly across the dry hills, according to the fire service, which sent more than"], "Read more"),
    "de": ("Hochwasser in Bayern: Pegel steigen weiter",
           ["Die Lage in den Hochwassergebieten im Süden Bayerns bleibt angespannt, nach tagelangem Dauerregen "
            "stiegen die Pegel an der Donau und am Inn am Sonntag weiter an, in mehreren Landkreisen wurde der "
            "Katastrophenfall ausgerufen, und Hunderte Menschen mussten ihre Häuser […]"], ""),
    "fr": ("Incendie : des milliers d'habitants évacués près de Marseille",
           ["Un violent incendie s'est déclaré mardi après-midi dans les collines au nord de Marseille, poussé "
            "par un mistral soufflant à plus de 80 km/h, et les autorités ont ordonné l'évacuation de plusieurs "
            "quartiers.", "Plus de 600 pompiers étaient mobilisés en fin de journée pour tenter de"],
           "Lire la suite"),
}


@pytest.mark.parametrize("lang", sorted(TEASERS))
def test_a_teaser_inside_a_heavy_page_is_kept(ctx: RunContext, lang: str) -> None:
    """A page that carries only a story's opening, the last paragraph cut off, keeps it: not the
    prose of its footer, not the blurbs of its list of other stories."""
    title, paras, more = TEASERS[lang]
    footer = BLURBS[lang] + ["Facebook", "Twitter", "Contact", "Privacy", "Terms"] * 6
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, *paras, *([more] if more else []), *footer]))
    assert doc.title == title
    assert doc.body == [p.removesuffix(" […]") for p in paras]
    assert all(not b.startswith(BLURBS[lang][1][:20]) for b in doc.body)


HEADLINES = {  # a headline that shares no word with its teaser, and a blurb of another story above it
    "en": ("Athens braces for another night of fear",
           "Shares in the city's largest bank rose sharply on Monday after it reported record profits for the year."),
    "de": ("Eine Region zwischen Angst und Hoffnung",
           "Die Aktien der größten Bank des Landes sind am Montag nach einem Rekordgewinn deutlich gestiegen."),
    "fr": ("Une nuit d'angoisse pour toute une région",
           "L'action de la première banque du pays a fortement progressé lundi après des bénéfices records."),
}


@pytest.mark.parametrize("lang", sorted(TEASERS))
def test_a_teaser_keeps_its_headline_when_they_share_no_word(ctx: RunContext, lang: str) -> None:
    """A teaser page shows a headline over one or two paragraphs: the headline-shaped line right
    above them is the title, whatever words they share, and what stands above it (here a blurb of
    another story, as prose) is not the teaser."""
    _, paras, more = TEASERS[lang]
    headline, blurb = HEADLINES[lang]
    footer = BLURBS[lang][:3] + ["Facebook", "Twitter", "Contact", "Privacy", "Terms"] * 3
    doc = clean(ctx, "\n".join([*TEASER_HEADER, blurb, headline, *paras, *([more] if more else []), *footer]))
    assert doc.title == headline
    assert doc.body == [p.removesuffix(" […]") for p in paras]


LONG_HEADLINES = {  # headlines of paragraph length, which are not paragraphs
    "en": "Thousands flee their homes north of Athens as a fast wildfire reaches the first villages",
    "fr": "Des milliers d'habitants fuient leurs maisons au nord de Marseille face à un incendie violent",
}


@pytest.mark.parametrize("lang", sorted(LONG_HEADLINES))
def test_a_long_headline_does_not_count_as_a_teaser_paragraph(ctx: RunContext, lang: str) -> None:
    """A blurb of another story above, a headline of paragraph length and a two-paragraph teaser:
    the teaser still ends the article, and the footer's prose right below it stays out."""
    _, paras, more = TEASERS[lang]
    blurb = HEADLINES[lang if lang in HEADLINES else "en"][1]
    footer = [*BLURBS[lang][3:], *COMMENT_FORMS[lang][3:], "Facebook", "Twitter", "Contact", "Privacy"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, blurb, LONG_HEADLINES[lang], *paras, *([more] if more else []),
                                *footer]))
    assert doc.title == LONG_HEADLINES[lang]
    assert doc.body == [p.removesuffix(" […]") for p in paras]


COMMENT_FORMS = {  # what comment forms and badges say below a story, as prose
    "en": ["Comments", "This is only a preview. Your comment has not yet been posted.",
           "As a final step before posting your comment, enter the letters and numbers you see in the image below.",
           "Notify me of follow-up comments by email.",
           "SuperFan badge holders consistently post smart, timely comments about the area's sports and teams.",
           "Culture Connoisseurs consistently offer thought-provoking, timely comments on the arts and lifestyle.",
           "Fact Checkers contribute questions, information and facts to the fact-checking team of this paper."],
    "de": ["Kommentare", "Dein Kommentar wird vor der Veröffentlichung von der Redaktion geprüft.",
           "Erforderliche Felder sind mit * markiert.",
           "Unsere Top-Kommentatoren schreiben regelmäßig kluge und sachliche Beiträge zu Politik und Sport.",
           "Kommentare, die unsere Redaktion besonders nützlich findet, erscheinen oben in der Liste der Beiträge.",
           "Alle Beiträge der Leserinnen und Leser erscheinen in der Reihenfolge, in der sie eingegangen sind."],
    "fr": ["Commentaires", "Votre adresse e-mail ne sera pas publiée.", "Soyez le premier à commenter cet article.",
           "Nos lecteurs les plus fidèles publient régulièrement des commentaires pertinents sur la politique.",
           "Les commentaires que notre rédaction juge utiles apparaissent en tête de la liste des réactions.",
           "Tous les commentaires sont affichés dans l'ordre où ils ont été reçus par notre équipe."],
}

@pytest.mark.parametrize("lang,site", [("de", "en"), ("en", "fr"), ("fr", "de")])
def test_a_teaser_on_a_site_of_another_language_is_kept(ctx: RunContext, lang: str, site: str) -> None:
    """The page's language is guessed from all its prose; where the site's furniture (its comment
    rules, its appeal to subscribe) outweighs a one-paragraph teaser, the guess is the site's
    language, and the teaser is still the page's own."""
    title, paras, more = TEASERS[lang]
    paras = [paras[0] if paras[0].endswith("[…]") else paras[0].removesuffix(".") + " […]"]
    footer = BLURBS[site] + COMMENT_FORMS[site][1:] + ["Facebook", "Twitter", "Contact", "Privacy", "Terms"] * 6
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, *paras, *footer]))
    assert doc.body == [paras[0].removesuffix(" […]")]


def paras(lang: str) -> list[str]:
    """Two paragraphs of one story in ``lang``."""
    return {"de": [PARA_DE, PARA_DE2], "en": [PARA_EN, PARA_EN2],
            "fr": [PARA_FR, "Les travaux doivent commencer au printemps prochain et durer environ deux ans, a "
                            "indiqué la mairie, la région prenant en charge la plus grande partie du coût."]}[lang]


@pytest.mark.parametrize("lang,site", [("de", "en"), ("en", "fr"), ("fr", "de")])
def test_a_two_paragraph_teaser_ends_where_the_site_s_own_prose_begins(ctx: RunContext, lang: str, site: str) -> None:
    """A paragraph after a cut-off line continues the story only in the story's language: a
    line of the site's own prose below a teaser in another language is the page around it."""
    title, first = TEASERS[lang][0], paras(lang)[0]
    cut = " ".join(paras(lang)[1].split()[:9]) + "…"  # a second paragraph, cut short
    site_prose = COMMENT_FORMS[site][3]
    footer = [site_prose, *BLURBS[site], "Facebook", "Twitter", "Contact", "Privacy"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, cut, *footer]))
    assert doc.body == [first, cut.removesuffix("…")]
    assert doc.language == lang


STORY_LINKS = {  # a list of other stories below a teaser, headlines of paragraph length
    "en": ["Solar makers promise more output for lower module costs within the next fifteen months",
           "Thousands of commuters stranded as the regional rail strike enters its third day"],
    "de": ["Solarhersteller versprechen mehr Leistung für deutlich geringere Modulkosten in den nächsten Monaten",
           "Tausende Pendler sitzen fest, weil der Streik im Regionalverkehr in den dritten Tag geht"],
    "fr": ["Les fabricants de panneaux solaires promettent plus de rendement pour des modules moins chers",
           "Des milliers de voyageurs bloqués alors que la grève des trains régionaux entre dans son troisième jour"],
}


@pytest.mark.parametrize("lang", sorted(STORY_LINKS))
def test_a_teaser_ends_above_a_list_of_headlines(ctx: RunContext, lang: str) -> None:
    """A cut-off line followed by a headline of paragraph length (no sentence's end) ends the
    teaser: the headline is a link to another story, not the story going on here."""
    title, first = TEASERS[lang][0], paras(lang)[0]
    cut = " ".join(paras(lang)[1].split()[:9]) + " […]"
    footer = [*STORY_LINKS[lang], *COMMENT_FORMS[lang][3:], "Facebook", "Twitter", "Contact", "Privacy"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, cut, *footer]))
    assert doc.body == [first, cut.removesuffix(" […]")]


@pytest.mark.parametrize("lang", sorted(STORY_LINKS))
def test_a_teaser_paragraph_ending_in_an_ellipsis_is_not_a_blurb(ctx: RunContext, lang: str) -> None:
    """A teaser's first paragraph may end in "…" itself (a quote trailing off); right above the
    teaser's cut-off paragraph it belongs to the teaser, not to a list of blurbs, and the page's
    prose below does not win over the teaser."""
    title, first = TEASERS[lang][0], paras(lang)[0].removesuffix(".") + "…"
    cut = " ".join(paras(lang)[1].split()[:14])
    more = {"de": "Weiterlesen", "en": "Read more", "fr": "Lire la suite"}[lang]
    footer = [*COMMENT_FORMS[lang][3:], "Facebook", "Twitter", "Contact", "Privacy"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, cut, more, *footer]))
    assert doc.body == [first, cut]


NOTICES = {  # comment policies and cookie notices run on past NEWSDEDUP_LEXICON_MAX_WORDS
    "en": ("Comments are subject to approval and moderation. We remind everyone that this site promotes a civil "
           "society where ideas and debate flourish. Please be respectful of each other and of the subjects of "
           "any criticism. While we may not always agree, we should all agree that being appropriately "
           "respectful of one another is a sign of a healthy debate.", "comment_form"),
    "de": ("Diese Website verwendet Cookies, um Ihnen die bestmögliche Nutzung unserer Seiten zu ermöglichen. "
           "Wenn Sie weiter auf dieser Seite bleiben, ohne Ihre Einstellungen zu ändern, gehen wir davon aus, "
           "dass Sie damit einverstanden sind. Mehr dazu und wie Sie der Verwendung widersprechen können, lesen "
           "Sie in unserer Datenschutzerklärung unter dem Punkt Cookies und Reichweitenmessung.", "cookie"),
    "fr": ("En poursuivant votre navigation sur ce site, vous acceptez l'utilisation de cookies pour vous "
           "proposer des contenus et des services adaptés à vos centres d'intérêt, réaliser des statistiques de "
           "visite et vous permettre de partager nos articles sur les réseaux sociaux. Pour en savoir plus et "
           "paramétrer les cookies, consultez notre politique de confidentialité.", "cookie"),
}


@pytest.mark.parametrize("lang", sorted(NOTICES))
def test_a_long_comment_policy_or_cookie_notice_is_dropped(ctx: RunContext, lang: str) -> None:
    notice, reason = NOTICES[lang]
    assert len(notice.split()) > ctx.config.clean.lexicon_max_words
    title = TEASERS[lang][0]
    doc = clean(ctx, "\n".join([title, *paras(lang), notice]))
    assert verdict(doc, notice[:30]) == reason
    assert doc.body == paras(lang)


DISCLAIMERS = {  # what sites print below every article, as prose beside a teaser
    "en": "If you enjoyed this article, we have a proposition for you: become a member and get all of our "
          "stories without ads, our weekly magazine and invitations to our events.",
    "de": "Die in diesem Artikel geäußerten Meinungen sind die des Autors und geben nicht unbedingt die "
          "Haltung der Redaktion wieder.",
    "fr": "Cet article contient des liens affiliés : si vous achetez un produit par ces liens, nous "
          "pouvons percevoir une commission, sans frais pour vous.",
}


@pytest.mark.parametrize("lang", sorted(DISCLAIMERS))
def test_a_disclaimer_below_a_teaser_is_dropped(ctx: RunContext, lang: str) -> None:
    """A site's disclaimer, affiliate note or appeal to join, right below a one-paragraph
    teaser, is neither the teaser's second paragraph nor part of the text."""
    title, first = TEASERS[lang][0], paras(lang)[0]
    teaser = first.removesuffix(".") + " […]"
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, teaser, DISCLAIMERS[lang], "Facebook", "Twitter"]))
    assert verdict(doc, DISCLAIMERS[lang][:30]) == "disclaimer"
    assert doc.body == [first.removesuffix(".")]


def test_a_long_line_of_prose_is_not_read_as_a_short_phrase() -> None:
    """Only notices match long lines: "By …" (a byline) does not take a long sentence."""
    lexicon = Lexicon.load(("en",))
    sentence = ("By the end of the decade the port expects traffic to double, mostly from the ferry lines to the "
                "islands and the wind farms being built offshore, whose parts arrive by sea and are assembled on "
                "the quay before they are towed out.")
    assert lexicon.match(sentence) is None
    assert lexicon.match(sentence[:60]) is not None  # short, it would be a byline


@pytest.mark.parametrize("lang", sorted(TEASERS))
def test_a_teaser_outweighs_the_prose_of_a_comment_section_below_it(ctx: RunContext, lang: str) -> None:
    """More words of prose below a comments header than the teaser has (badges, rules) do not
    take the article's place; the comment form's own phrases are dropped as such (or, as marks of
    comments below their header, with all below it)."""
    title, paras, more = TEASERS[lang]
    form = COMMENT_FORMS[lang]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, *paras, *([more] if more else []), "Facebook", "Twitter",
                                *form, *form[3:], "Contact", "Privacy"]))
    assert doc.title == title
    assert doc.body == [p.removesuffix(" […]") for p in paras]
    assert verdict(doc, form[1]) in ("comment_form", "comments", "after-comments")


def test_a_teaser_cut_short_in_its_second_paragraph_is_kept_whole(ctx: RunContext) -> None:
    title, paras, _ = TEASERS["en"]
    cut = " ".join(paras[1].split()[:8]) + " …"
    footer = BLURBS["en"] + ["Facebook", "Twitter", "Contact", "Privacy", "Terms"] * 4
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, paras[0], cut, *footer]))
    assert doc.body == [paras[0], cut.removesuffix(" …")]


READER_NOTES = {  # a reader's comment or a site's note, as prose of paragraph length, beside a teaser
    "en": "Thanks so much for stopping by to read this long piece and for leaving a comment, it means a lot to "
          "me and I will try to answer every question you asked as soon as I can find the time.",
    "de": "Vielen Dank, dass Sie diesen langen Beitrag bis zum Ende gelesen und einen Kommentar hinterlassen haben, "
          "ich werde versuchen, alle Ihre Fragen so bald wie möglich zu beantworten, wenn ich Zeit finde.",
    "fr": "Merci beaucoup d'avoir pris le temps de lire ce long billet jusqu'au bout et de laisser un commentaire, "
          "je vais essayer de répondre à toutes vos questions dès que je trouverai un moment pour le faire.",
}
MORE_LINKS = {"de": "Weiterlesen", "en": "Read more", "fr": "Lire la suite"}


@pytest.mark.parametrize("lang", sorted(READER_NOTES))
def test_a_line_cut_off_with_an_ellipsis_in_brackets_ends_the_teaser(ctx: RunContext, lang: str) -> None:
    """ "[…]" marks an excerpt, never a sentence trailing off: the prose right below it (a reader's
    note) is not the story going on."""
    title, first = TEASERS[lang][0], paras(lang)[0]
    cut = " ".join(paras(lang)[1].split()[:9]) + " […]"
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, cut, READER_NOTES[lang], "Facebook", "Twitter"]))
    assert doc.body == [first, cut.removesuffix(" […]")]


ASKING_HEADLINES = {
    "en": "Wildfire near Athens: what happens to the villages now?",
    "de": "Hochwasser in Bayern: Wie geht es jetzt weiter?",
    "fr": "Incendie près de Marseille : faut-il craindre le pire ?",
}


@pytest.mark.parametrize("lang", sorted(ASKING_HEADLINES))
@pytest.mark.parametrize("above", ["headline", "first line"])
def test_a_teaser_s_headline_may_ask_or_exclaim(ctx: RunContext, lang: str, above: str) -> None:
    """A headline that ends in "?" or "!" right above a teaser is its title, and what stands above
    it (here a reader's note, longer than the teaser) is the page; where it is the run's first
    line, the teaser's paragraphs that follow are the text."""
    headline = ASKING_HEADLINES[lang] if above == "headline" else ASKING_HEADLINES[lang].replace("?", "!")
    teaser = paras(lang)[0].removesuffix(".") + " […]"
    note = [READER_NOTES[lang], "Reply"] if above == "headline" else []
    doc = clean(ctx, "\n".join([*TEASER_HEADER, *note, headline, paras(lang)[1], teaser, "Facebook", "Twitter",
                                "Contact", "Privacy"]))
    assert doc.title == headline
    assert doc.body == [paras(lang)[1], teaser.removesuffix(" […]")]


LINK_LISTS = {  # headlines of other stories (paragraph length, no sentence's end) and a tag cloud
    "en": ["Why the ferry operators are cutting their winter timetables again this year",
           "Five questions about the new tax on holiday flats answered for landlords",
           "ferries harbour taxes flats landlords tourism winter islands budget council trains buses strikes "
           "weather storms fishing schools housing"],
    "de": ["Warum die Fährgesellschaften ihre Winterfahrpläne auch in diesem Jahr wieder kürzen",
           "Fünf Fragen zur neuen Steuer auf Ferienwohnungen für Vermieter beantwortet",
           "Fähren Hafen Steuern Wohnungen Vermieter Tourismus Winter Inseln Haushalt Gemeinderat Bahn Busse "
           "Streik Wetter Sturm Fischerei Schulen"],
    "fr": ["Pourquoi les compagnies de ferry réduisent encore leurs horaires d'hiver cette année",
           "Cinq questions sur la nouvelle taxe sur les meublés de tourisme pour les propriétaires",
           "ferries port impôts logements propriétaires tourisme hiver îles budget mairie trains bus grèves "
           "météo tempêtes pêche écoles"],
}


@pytest.mark.parametrize("lang", sorted(LINK_LISTS))
def test_the_page_above_a_teaser_without_headline_is_not_its_text(ctx: RunContext, lang: str) -> None:
    """A teaser under no headline (a line too short for one above it): the links and tags the
    run took in above the teaser's paragraphs hold no prose, and are dropped."""
    first, cut = paras(lang)[0], " ".join(paras(lang)[1].split()[:14]) + " …"
    doc = clean(ctx, "\n".join([*TEASER_HEADER, *LINK_LISTS[lang], "Latest", "Weekend reading", first, cut,
                                MORE_LINKS[lang], "Facebook", "Twitter", "Contact", "Privacy"]))
    assert doc.body == [first, cut.removesuffix(" …")]


@pytest.mark.parametrize("lang", sorted(READER_NOTES))
def test_a_cut_off_blurb_below_a_short_article_does_not_take_its_place(ctx: RunContext, lang: str) -> None:
    """A short article, an ad line, and a blurb of another story trailing off in "…": the run's
    prose above the blurb is the article, not the page around a teaser."""
    title, first, second = TEASERS[lang][0], *paras(lang)
    blurb = READER_NOTES[lang].removesuffix(".") + " …"
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, second, "Advertisement", blurb, "Facebook"]))
    assert doc.body[:2] == [first, second]


STANDFIRSTS = {  # a paywalled page: headline, standfirst, the first paragraph cut off, a login prompt
    "en": ("Students still desperately looking for rooms in Freiburg",
           "Lectures at the university are starting, but not every student who came to Freiburg for their "
           "studies has found a room yet.",
           "Gesine from Tübingen is running out of time. The 18-year-old enrolled at the university to read law "
           "and has been looking for a flat for weeks, so far without any luck, and her parents are worried …",
           "Already a subscriber? Sign in"),
    "de": ("Viele Studierende sind noch verzweifelt auf Wohnungssuche in Freiburg",
           "Die Vorlesungen an der Uni starten. Aber nicht alle Studierende, die nach Freiburg kommen, haben "
           "schon ein Zimmer gefunden.",
           "Gesine aus Tübingen läuft die Zeit davon. Die 18-Jährige hat sich an der Uni für ein Jurastudium "
           "eingeschrieben und sucht seit Wochen eine Wohnung, bisher ohne Erfolg, und ihre Eltern …",
           "Bereits Abonnent? Anmelden"),
    "fr": ("Les étudiants toujours désespérément à la recherche d'un logement à Fribourg",
           "Les cours reprennent à l'université, mais tous les étudiants venus à Fribourg n'ont pas encore "
           "trouvé de logement.",
           "Pour Gesine, venue de Tübingen, le temps presse. La jeune femme de 18 ans s'est inscrite en droit et "
           "cherche un appartement depuis des semaines, pour l'instant sans succès, et ses parents …",
           "Déjà abonné ? Se connecter"),
}


@pytest.mark.parametrize("lang", sorted(STANDFIRSTS))
def test_a_paywall_s_standfirst_above_its_cut_off_paragraph_is_kept(ctx: RunContext, lang: str) -> None:
    """Above a paywall's first paragraph, cut off, the standfirst speaks of what the headline
    says: it is the story's, not the page around a teaser."""
    title, standfirst, cut, login = STANDFIRSTS[lang]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, standfirst, "Share", cut, login, "Facebook", "Twitter"]))
    assert doc.title == title
    assert doc.body == [standfirst, cut.removesuffix(" …")]


@pytest.mark.parametrize("lang", sorted(MORE_LINKS))
def test_a_teaser_s_second_paragraph_may_be_short(ctx: RunContext, lang: str) -> None:
    """The teaser's second paragraph, cut after a few words, below a first paragraph that trails
    off in "…" itself: both are the teaser."""
    first = paras(lang)[0].removesuffix(".") + "…"
    cut = " ".join(paras(lang)[1].split()[:8])
    footer = ["Facebook", "Twitter", "Contact", READER_NOTES[lang], "Privacy"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, TEASERS[lang][0], first, cut + " …", *footer]))
    assert doc.body == [first, cut]


@pytest.mark.parametrize("lang", sorted(MORE_LINKS))
def test_a_headline_linked_inside_an_article_does_not_end_it(ctx: RunContext, lang: str) -> None:
    """A headline of another story with its "Read more" link between two paragraphs is a link,
    not the end of a teaser: the article goes on below it."""
    title, (first, second) = TEASERS[lang][0], paras(lang)
    link = ASKING_HEADLINES[lang].removesuffix("?").removesuffix(" ")
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, first, link, MORE_LINKS[lang], second, *MORE.get(lang, [])[:2],
                                "Facebook", "Twitter", "Contact", "Privacy"]))
    assert doc.body[0] == first and second in doc.body

KICKERS = {  # (kicker, an ad line with its label) as pages print them around a story
    "de": ("Stadtentwicklung", "ANZEIGE · Traumurlaub an der Ostsee – jetzt buchen …"),
    "en": ("Exclusive", "Advertisement | Save 50% on your first box today …"),
    "fr": ("Urbanisme", "Publicité · Vos vacances en Bretagne à prix réduit …"),
}


@pytest.mark.parametrize("lang", sorted(KICKERS))
@pytest.mark.parametrize("html", [False, True])
def test_a_kicker_and_a_labelled_ad_line_are_not_the_text(ctx: RunContext, lang: str, html: bool) -> None:
    """A one-word kicker above the headline and the first paragraph, and an ad line that opens
    with its label and a dot or a bar, are dropped, on a pasted page and on HTML (where
    trafilatura keeps both in its text)."""
    from pipeline.stages.extract import ExtractStage

    kicker, ad = KICKERS[lang]
    title = TEASERS[lang][0]
    if html:
        page = (f"<html><head><title>{title}</title></head><body><article><span>{kicker}</span><h1>{title}</h1>"
                + "".join(f"<p>{p}</p>" for p in [*paras(lang), ad]) + "</article></body></html>")
        doc = ExtractStage(ctx).process(Document(uri="file:///test/page.html", text=page, is_html=True))
        doc = CleanStage(ctx).process(doc)
    else:
        doc = clean(ctx, "\n".join(["Home", "News", kicker, title, *paras(lang), ad, "Facebook"]))
    assert doc.body == paras(lang)
    assert verdict(doc, ad[:12]) == "ad"


COMMENT_RUNS = {  # (header, a date stamp, reply, three comments longer together than the article)
    "en": ("15 comments", "March 3, 2012 at 4:12 pm", "Reply", [
        "I have lived in this town for thirty years and I have never seen the council agree on anything so quickly, "
        "which makes me wonder what the real cost of this will be for the people who pay the taxes here.",
        "The old school has been empty for a decade and anything is better than watching it fall apart, but I hope "
        "they keep the old windows and the clock on the front, which my grandfather helped to build.",
        "Does anyone know whether the sports clubs will have to pay rent for the rooms on the first floor, because "
        "our club cannot afford much more than what we pay for the gym at the primary school today."]),
    "de": ("15 Kommentare", "vor 3 Stunden", "Antworten", [
        "Ich wohne seit dreißig Jahren in dieser Stadt und habe noch nie erlebt, dass sich der Gemeinderat so schnell "
        "einig war, und frage mich, was das am Ende die Bürgerinnen und Bürger kosten wird.",
        "Die alte Schule steht seit zehn Jahren leer, und alles ist besser, als ihr beim Verfallen zuzusehen, aber "
        "ich hoffe, dass die alten Fenster und die Uhr an der Fassade erhalten bleiben.",
        "Weiß jemand, ob die Vereine für die Räume im ersten Stock Miete zahlen müssen, denn unser Verein kann sich "
        "kaum mehr leisten als das, was wir heute für die Turnhalle der Grundschule zahlen."]),
    "fr": ("15 commentaires", "il y a 2 jours", "Répondre", [
        "J'habite dans cette ville depuis trente ans et je n'ai jamais vu le conseil municipal se mettre d'accord "
        "aussi vite, ce qui me fait me demander ce que cela coûtera vraiment aux contribuables.",
        "La vieille école est vide depuis dix ans et tout vaut mieux que de la regarder tomber en ruine, mais "
        "j'espère qu'ils garderont les anciennes fenêtres et l'horloge de la façade.",
        "Quelqu'un sait-il si les associations devront payer un loyer pour les salles du premier étage, car notre "
        "club ne peut pas payer beaucoup plus que ce que nous versons aujourd'hui pour le gymnase."]),
}


@pytest.mark.parametrize("lang", sorted(COMMENT_RUNS))
def test_comments_below_their_header_are_a_block_however_long(ctx: RunContext, lang: str) -> None:
    """Below a comments header, readers' comments marked by names, date stamps and "Reply" end
    the article, even where their prose outweighs it."""
    header, stamp, reply, comments = COMMENT_RUNS[lang]
    run = [line for i, c in enumerate(comments) for line in (f"Anna{i} Berger", stamp, c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *paras(lang), header, *run]))
    assert doc.body == paras(lang)
    assert all(not b.startswith(comments[0][:20]) for b in doc.body)


# A comment count that heads the comments, how a writer is named, a date stamp and a reply, as
# blog and news platforms print them in each language (WordPress, Blogger, Disqus, TypePad).
COUNTED_RUNS = {
    "en": ("One Response to “Council renovates the old school”", "{} says:", "October 16th, 2012 at 6:57 am",
           "Reply"),
    "en-numeric": ("16 Comments", "{}", "Posted 10/18/2012 at 2:57 pm | Permalink", "Report"),
    "de": ("3 Gedanken zu „Gemeinderat saniert die alte Schule“", "{} sagt:", "12. März 2024 um 10:15", "Antworten"),
    "fr": ("2 réflexions sur « Le conseil rénove la vieille école »", "{} a dit :", "12 mars 2024 à 10h15",
           "Répondre"),
}


@pytest.mark.parametrize("run", sorted(COUNTED_RUNS))
def test_a_count_of_comments_heads_them_and_writers_and_stamps_mark_them(ctx: RunContext, run: str) -> None:
    """"3 Gedanken zu „…“", "One Response to “…”": a count, a noun and the story's title head the
    comments; "Anna sagt:", "Posted 10/18/2012 at 2:57 pm" mark them. The comments, longer than
    the article, are cut as a block (the old code kept them: the count was no header, the
    writer's line and a numeric stamp no marks)."""
    lang = run.split("-")[0]
    header, writer, stamp, reply = COUNTED_RUNS[run]
    comments = COMMENT_RUNS[lang][3]
    lines = [line for i, c in enumerate(comments) for line in (writer.format(f"Anna{i} Berger"), stamp, c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *paras(lang), header, *lines]))
    assert doc.body == paras(lang)


def test_a_comment_count_under_the_headline_does_not_cut_the_story(ctx: RunContext) -> None:
    """A news page's "5 Kommentare" link under its headline, its date line and, further down, an
    embedded tweet's date are three marks, but not one after another within a comment's length:
    the story stays whole (with two marks asked for, the old default, it was cut below the count)."""
    standfirst = "Nach langer Debatte ist es entschieden: Aus der leeren Schule am Marktplatz wird ein Bürgerzentrum."
    story = [PARA_DE, PARA_DE2, "— Donald J. Trump (@realDonaldTrump) May 2, 2020", *COMMENT_RUNS["de"][3]]
    doc = clean(ctx, "\n".join(["Marktplatz: Der Gemeinderat saniert die alte Schule, und die Vereine sind „glücklich“",
                                 standfirst, "5 Kommentare", "04.05.20 14:50", *story]))
    assert doc.body == [standfirst, *story]


def test_prose_in_another_language_than_the_story_is_not_its_text(ctx: RunContext) -> None:
    """A German story on a page whose menus, blurbs and footer are English: the English prose of
    the footer is not rich in German stop words, and stays out."""
    title, paras, _ = TEASERS["de"]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, title, PARA_DE, PARA_DE2, *BLURBS["en"],
                                "Facebook", "Twitter", "Contact", "Privacy", "Terms"]))
    assert doc.body == [PARA_DE, PARA_DE2]


MORE = {  # two more paragraphs of the council story
    "de": ["Im Erdgeschoss sollen eine Bibliothek und ein Café entstehen, im ersten Stock Räume für Vereine, die "
           "bisher in der Turnhalle der Grundschule üben müssen.",
           "Die Opposition hatte vergeblich gefordert, zuerst die Kosten für den Brandschutz prüfen zu lassen, "
           "weil das Gebäude unter Denkmalschutz steht und die Auflagen streng sind.",
           "Die Bürgermeisterin sprach nach der Abstimmung von einem guten Tag für die Stadt und dankte den "
           "Bürgerinnen und Bürgern, die sich seit Jahren für das Zentrum eingesetzt hatten.",
           "Ob der Zeitplan hält, ist offen: Die Ausschreibung für die Bauarbeiten soll im Herbst beginnen, und "
           "die Handwerksbetriebe der Region sind bis weit in das nächste Jahr ausgelastet."],
    "en": ["A library and a café are planned on the ground floor, with rooms on the first floor for clubs that "
           "now have to meet in the primary school's gym.",
           "The opposition had called in vain for the cost of fire safety to be checked first, because the "
           "building is listed and the rules for it are strict.",
           "After the vote the mayor spoke of a good day for the town and thanked the residents who had "
           "campaigned for the centre for years, some of them since the school closed.",
           "Whether the timetable holds is open: the tender for the building work is due to start in the autumn, "
           "and the region's builders are busy well into next year."],
}


LONG_COMMENT = {  # one reader's comment of one paragraph, longer than NEWSDEDUP_COMMENT_MAX_WORDS (250)
    "en": " ".join(f"My neighbour at number {i} says the meeting went on for hours, and nobody could follow the "
                   "figures the council showed on the screen." for i in range(1, 13)),
    "de": " ".join(f"Mein Nachbar in Hausnummer {i} sagt, die Sitzung habe stundenlang gedauert, und niemand habe "
                   "die Zahlen verstanden, die der Rat gezeigt hat." for i in range(1, 13)),
    "fr": " ".join(f"Mon voisin du numéro {i} dit que la séance a duré des heures et que personne n'a compris les "
                   "chiffres que le conseil a montrés." for i in range(1, 13)),
}


def sentences(text: str) -> list[str]:
    """``text``'s sentences, one a line."""
    return [part.strip() + "." for part in text.split(".") if part.strip()]


def under_names(writers: list[str], comments: list[str]) -> list[str]:
    """Each comment below a writer's name, the names taken in turn."""
    return [line for i, c in enumerate(comments) for line in (writers[i % len(writers)], c)]


def more_comments(lang: str, text: str) -> list[str]:
    """The three comments of ``COMMENT_RUNS``, then ``text``'s sentences three to a comment."""
    said = sentences(text)
    return [*COMMENT_RUNS[lang][3], *(" ".join(said[k:k + 3]) for k in range(0, len(said), 3))]


@pytest.mark.parametrize("lang", sorted(COMMENT_RUNS))
def test_one_long_comment_does_not_hide_the_comments_below_it(ctx: RunContext, lang: str) -> None:
    """A first comment longer than a chain's gap breaks the chain of marks after its date stamp;
    the marks of the next comments, right below the header, start it again and the comments are
    cut (the old code asked the first three marks to be a chain, and kept them all)."""
    header, stamp, reply, comments = COMMENT_RUNS[lang]
    run = [line for i, c in enumerate([LONG_COMMENT[lang], *comments])
           for line in (f"Anna{i} Berger", stamp, c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *paras(lang), header, *run]))
    assert doc.body == paras(lang)


STORY = {  # a story of over 250 words: the council's, with three paragraphs more
    "de": [PARA_DE, PARA_DE2, *MORE["de"],
           "Der Förderverein will in den nächsten Wochen Spenden sammeln, damit der alte Festsaal im Dachgeschoss "
           "wieder für Konzerte und Theateraufführungen genutzt werden kann, wie es früher üblich war.",
           "Auch die Volkshochschule hat Interesse an Räumen angemeldet: Sie möchte dort Sprachkurse und Abendkurse "
           "anbieten, die bisher in einem Container hinter dem Rathaus stattfinden müssen.",
           "Die Anwohner des Marktplatzes hoffen vor allem, dass während der Bauzeit genügend Parkplätze bleiben "
           "und der Wochenmarkt am Samstag weiter wie gewohnt stattfinden kann.",
           "Für die Zeit des Umbaus sucht die Stadt noch nach Ersatzräumen für den Seniorentreff, der sich bisher "
           "jeden Mittwoch in der alten Aula getroffen hat."],
    "en": [PARA_EN, PARA_EN2, *MORE["en"],
           "The friends' association wants to raise money in the coming weeks so that the old hall under the roof "
           "can again be used for concerts and plays, as it was for decades before the school closed.",
           "The adult education college has also asked for rooms: it would like to hold language and evening "
           "classes there, which now take place in a container behind the town hall.",
           "People living on the market square mainly hope that enough parking spaces will remain during the "
           "work and that the Saturday market can go on as usual."],
}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_comments_signed_at_their_end_are_cut_below_a_story(ctx: RunContext, lang: str) -> None:
    """Comments signed at their end ("Posted by: Anna | date", as TypePad prints them), the first
    of several lines: its mark stands more than NEWSDEDUP_COMMENT_MARK_WINDOW lines below the
    header, but within a comment's length of it, and a whole story stands above the header. The
    comments are cut (the old code asked the first mark within the window of lines)."""
    header, _, _, comments = COMMENT_RUNS[lang]
    stamp, signed = COUNTED_RUNS[lang][2], {"de": "Geschrieben von", "en": "Posted by"}[lang]
    said = sentences(LONG_COMMENT[lang])
    run = [*said[:9], f"{signed}: Anna Berger | {stamp}"]  # (nine lines, under 250 words)
    more = [*comments, " ".join(said[9:])]
    for i, c in enumerate(more):  # (with these longer than the story, not cut for the story above alone)
        run += [c, f"{signed}: Paul{i} Weber | {stamp}"]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], header, *run]))
    assert doc.body == STORY[lang]


TWO_PARAGRAPHS_ABOVE = {
    "de": ["Nach langer Debatte ist es entschieden: Aus der leeren Schule am Marktplatz wird ein Bürgerzentrum.",
           "Was die Stadt plant, was es kostet und wann die ersten Räume fertig sein sollen, lesen Sie hier."],
    "en": ["After a long debate it is decided: the empty school on the market square becomes a community centre.",
           "What the town plans, what it will cost and when the first rooms should be ready, you can read here."],
}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_a_count_of_comments_above_a_short_story_does_not_cut_it(ctx: RunContext, lang: str) -> None:
    """"10 Comments" under the headline, then a short story of many lines (a list of dishes, of
    dates) and, below it, the comments: the marks start within a comment's length of the count,
    but no story stands above the count, so it is not their header and the story stays."""
    header, stamp, reply, comments = COMMENT_RUNS[lang]
    above = TWO_PARAGRAPHS_ABOVE[lang]  # (two paragraphs above the count: one alone does not make it a header)
    story = [*paras(lang), *MORE[lang][:2], "Marktplatz 1", "Bibliothek", "Café", "Vereinsräume"]
    run = [line for i, c in enumerate(comments) for line in (f"Anna{i} Berger", stamp, c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *above, "10 Comments" if lang == "en" else "10 Kommentare",
                                 *story, header, *run]))
    assert all(p in doc.body for p in [*paras(lang), *MORE[lang][:2]])
    assert not any(c in doc.body for c in comments)


@pytest.mark.parametrize("run", sorted(r for r in COUNTED_RUNS if r.split("-")[0] in STORY))
def test_comments_with_no_header_below_a_story_are_cut(ctx: RunContext, run: str) -> None:
    """Readers' comments with no header above them (Disqus, Blogger): writer's names, date
    stamps and "Reply" lines below the whole story. The chain of marks, of two kinds, ends the
    article there, the first writer's name with it (the old code kept them all)."""
    lang = run.split("-")[0]
    _, writer, stamp, reply = COUNTED_RUNS[run]
    comments = COMMENT_RUNS[lang][3]
    lines = [line for i, c in enumerate(comments) for line in (writer.format(f"Anna{i} Berger"), stamp, c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], *lines]))
    assert doc.body == STORY[lang]
    assert verdict(doc, writer.format("Anna0 Berger")) == "after-comments"


WRITERS = {"names": ["lineholder", "http://twitter.com/annab Anna Berger", "Paul W.", "DerKrieger", "Marie"],
           "linked": ["http://twitter.com/annab Anna Berger", "http://www.facebook.com/paul.w Paul Weber",
                      "https://example.org/blog/ Marie"]}


@pytest.mark.parametrize("lang,names", [(lang, names) for lang in sorted(STORY) for names in sorted(WRITERS)])
def test_writers_names_over_their_comments_mark_them_below_a_story(ctx: RunContext, lang: str, names: str) -> None:
    """Below a comments header and a whole story, comments with no date and no "Reply": each a
    writer's name or handle on its line ("lineholder", "http://twitter.com/jyarmis Jonathan
    L. Yarmis") over its prose, longer together than the story. The names mark them, and they
    are cut (the old code kept them: no mark; the link's colon once made a linked name a label)."""
    header = COMMENT_RUNS[lang][0]
    run = under_names(WRITERS[names], more_comments(lang, LONG_COMMENT[lang] + " " + SHOPS[lang]))
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], header, *run]))
    assert doc.body == STORY[lang]


@pytest.mark.parametrize("lang", sorted(STORY))
def test_comments_under_writers_names_below_a_post_s_navigation_are_cut(ctx: RunContext, lang: str) -> None:
    """A blog post, its navigation ("Previous post", "Next post"), then comments under writers'
    names, longer together than a quarter of the post: the navigation is a boundary that has
    too little of the page above it to end the article alone, and the names below it mark the
    comments (the old code read marks below comments headers only, and kept them)."""
    run = under_names(WRITERS["names"], more_comments(lang, SHOPS[lang]))
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], *POST_NAVIGATION[lang], *run]))
    assert doc.body == STORY[lang]


@pytest.mark.parametrize("lang", sorted(STORY))
def test_a_long_comment_under_a_writer_s_name_does_not_end_the_chain(ctx: RunContext, lang: str) -> None:
    """Below a comments header and a story, comments under writers' names, the second over 250
    words: it breaks the chain of names, the next names start it again though they stand far
    below the header. The comments are cut (the old code asked every chain to start right below
    the header, and kept them)."""
    header, _, _, comments = COMMENT_RUNS[lang]
    writers = WRITERS["names"]
    first = sentences(LONG_COMMENT[lang])
    run = [writers[0], *first[:4], writers[1], LONG_COMMENT[lang],  # (the second name 6 lines down, the third 8)
           *(line for i, c in enumerate([*comments, *SHOPS[lang].split(". ")[:3]])
             for line in (writers[(i + 2) % len(writers)], c))]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], header, *run]))
    assert doc.body == STORY[lang]


STORY_GOES_ON = {  # the council's story, over 250 words more
    "en": ["The building itself dates from 1911 and served as the town's grammar school for almost ninety years, "
           "until falling pupil numbers led the county to merge it with the school in the next valley.",
           "Since then the windows have been boarded up, the roof has leaked in three places and the heating has "
           "not worked for a decade, which is why the architects expect most of the money to go into the shell.",
           "Engineers who surveyed the site last winter found the foundations sound, but warned that the timber "
           "floors on the upper storey would have to be replaced before any club could use the rooms safely.",
           "The council wants to pay for the work with a regional grant for village centres, a loan from the "
           "state development bank and about a fifth from its own reserves, spread over three budgets.",
           "A citizens' panel of twelve residents, drawn by lot, will advise on how the rooms are shared out, and "
           "its first meeting is planned for the week after the summer holidays, in the old school's hall.",
           "Neighbouring towns are watching closely: two of them have empty schools of their own and have asked "
           "to see the plans, the costings and the contracts before deciding whether to follow the same path.",
           "The youth club, which lost its rooms when the old fire station was sold, hopes to move into the "
           "basement, where a music room and a small workshop for repairing bicycles are planned.",
           "Local historians have offered to put together an exhibition on the school's past for the opening, "
           "with photographs of former classes, old reports and the bell that hung above the main door."],
    "de": ["Das Gebäude stammt aus dem Jahr 1911 und war fast neunzig Jahre lang das Gymnasium der Stadt, bis "
           "sinkende Schülerzahlen den Kreis dazu brachten, es mit der Schule im Nachbartal zusammenzulegen.",
           "Seitdem sind die Fenster vernagelt, das Dach ist an drei Stellen undicht und die Heizung funktioniert "
           "seit zehn Jahren nicht mehr, weshalb die Architekten den größten Teil des Geldes für die Hülle erwarten.",
           "Ingenieure, die das Gelände im vergangenen Winter untersucht haben, halten das Fundament für solide, "
           "warnen aber, dass die Holzböden im Obergeschoss vor jeder Nutzung durch Vereine ersetzt werden müssen.",
           "Bezahlen will der Rat die Arbeiten mit Fördermitteln des Landes für Ortskerne, einem Kredit der "
           "Förderbank und etwa einem Fünftel aus eigenen Rücklagen, verteilt auf drei Haushaltsjahre.",
           "Ein Bürgerrat aus zwölf ausgelosten Einwohnern soll beraten, wie die Räume verteilt werden, und seine "
           "erste Sitzung ist für die Woche nach den Sommerferien in der alten Aula der Schule geplant.",
           "Die Nachbargemeinden beobachten das Vorhaben genau: Zwei von ihnen haben selbst leere Schulen und "
           "wollen die Pläne, die Kostenrechnung und die Verträge sehen, bevor sie über einen ähnlichen Weg entscheiden.",
           "Der Jugendtreff, der seine Räume mit dem Verkauf der alten Feuerwache verloren hat, hofft auf den "
           "Keller, in dem ein Musikraum und eine kleine Werkstatt für Fahrradreparaturen geplant sind.",
           "Heimatforscher wollen zur Eröffnung eine Ausstellung über die Geschichte der Schule zeigen, mit Fotos "
           "ehemaliger Klassen, alten Zeugnissen und der Glocke, die über dem Haupteingang hing.",
           "Wer Erinnerungsstücke aus der Schulzeit besitzt, kann sie bis zum Ende des Monats im Rathaus abgeben, "
           "wo sie fotografiert und nach der Ausstellung zurückgegeben werden."],
}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_a_box_of_stories_inside_the_article_does_not_end_it(ctx: RunContext, lang: str) -> None:
    """A "Most read" box in the middle of a story, headlines over their authors' names, then the
    story goes on, and far below it comments under names: only a comments header's chain may
    start again far below it; the box's does not, and the story below the box stays."""
    box = {"en": "Most read", "de": "Meistgelesen"}[lang]
    headlines = {"en": ["Stocks slip as investors wait for the central bank's decision on rates",
                        "Five things you need to know before the long weekend begins"],
                 "de": ["Neue Regeln für Mieter gelten ab Januar in allen Bundesländern",
                        "Bahn kündigt für die kommende Woche einen Streik im Fernverkehr an"]}[lang]
    comments = COMMENT_RUNS[lang][3]
    more = STORY_GOES_ON[lang]
    run = under_names(["lineholder", "DerKrieger", "Marie"], comments)
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], box, headlines[0], "Anna Berger",
                                 headlines[1], "Paul Weber", *more, *run]))
    assert all(p in doc.body for p in [*STORY[lang], *more])


SUBHEADS = {"de": ["Die Pläne", "Bibliothek", "Vereine", "Kosten", "Zeitplan"],
            "en": ["The plans", "Library", "Clubs", "Costs", "Timetable"]}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_subheads_below_a_count_under_the_headline_are_no_writers(ctx: RunContext, lang: str) -> None:
    """"5 Kommentare" under the headline, two standfirst paragraphs, then a story whose
    paragraphs stand under one-word subheads: a subhead over a paragraph looks like a writer's
    name over a comment, but no story stands above the count, so its names are not read as
    marks and the story stays whole."""
    story = [line for head, para in zip(SUBHEADS[lang], STORY[lang]) for line in (head, para)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *TWO_PARAGRAPHS_ABOVE[lang],
                                 "5 Comments" if lang == "en" else "5 Kommentare", *story]))
    assert all(p in doc.body for p in STORY[lang][:len(SUBHEADS[lang])])


MORE_FR = ["Une bibliothèque et un café sont prévus au rez-de-chaussée, avec des salles à l'étage pour les "
           "associations qui se réunissent aujourd'hui dans le gymnase de l'école primaire.",
           "L'opposition avait demandé en vain que le coût de la sécurité incendie soit d'abord vérifié, car le "
           "bâtiment est classé et les règles qui s'y appliquent sont strictes."]
POST_NAVIGATION = {"de": ("Vorheriger Beitrag", "Nächster Beitrag"), "en": ("Previous post", "Next post"),
                   "fr": ("Article précédent", "Article suivant")}
BLOGGER_NAVIGATION = {"de": ("Neuerer Post Älterer Post Startseite",), "en": ("Newer Post Older Post Home",),
                      "fr": ("Article plus récent Article plus ancien Accueil",)}


@pytest.mark.parametrize("lang,blog", [(lang, blog) for lang in sorted(POST_NAVIGATION) for blog in ("wordpress", "blogger")])
def test_a_blog_post_ends_at_its_navigation_to_the_next_post(ctx: RunContext, lang: str, blog: str) -> None:
    """"Previous post", "Next post" (Blogger: "Newer Post Older Post Home") below a blog post, then
    a reader's comment under a name, with no header: the post's navigation is a boundary like
    "Related", and nearly all the prose is above it. The comment goes (the old code did not know
    the lines, and kept it)."""
    story = [*paras(lang), *MORE.get(lang, MORE_FR)]
    comment = COMMENT_RUNS[lang][3][0]
    navigation = (POST_NAVIGATION if blog == "wordpress" else BLOGGER_NAVIGATION)[lang]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *story, *navigation, "Amy D.", comment]))
    assert doc.body == story


YEARLESS = {"en": ("{} On Thursday, November 1 at 2:57 pm", "Reply"), "de": ("{} am 1. November um 14:50", "Antworten")}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_a_comment_s_stamp_with_no_year_marks_it(ctx: RunContext, lang: str) -> None:
    """Comment systems stamp a comment with a month, a day and a clock and no year ("Lora On
    Thursday, November 1 at 2:57 pm", "am 1. November um 14:50"): with "Reply" below, two kinds
    of marks, the comments are cut below the story (the old code read no date there: one kind)."""
    stamp, reply = YEARLESS[lang]
    comments = COMMENT_RUNS[lang][3]
    run = [line for i, c in enumerate(comments) for line in (stamp.format(f"Anna{i} Berger"), c, reply)]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], *run]))
    assert doc.body == STORY[lang]


@pytest.mark.parametrize("line,stamped", [
    ("Lora Lee On Thursday, November 1 at 2:57 pm", True), ("by kdawson (1234) on Monday July 23, @08:25PM", True),
    ("am 1. November um 14:50", True), ("le 1 novembre à 14h50", True), ("12 de marzo a las 10:15", True),
    ("1 novembre", False), ("November 1", False), ("Mai 2019 12:30", False), ("may 12", False)])
def test_a_stamp_with_no_year_needs_a_month_a_day_and_a_clock(ctx: RunContext, line: str, stamped: bool) -> None:
    assert (CleanStage(ctx).yearless_stamp.search(line) is not None) == stamped


TIMELINE = {  # a story's own dated lines: a timeline, a list of exhibitions
    "de": ["12. März 2024: Der Gemeinderat beschließt nach langer Debatte die Sanierung der alten Schule.",
           "3. Juni 2024: Die Stadt schreibt die Bauarbeiten für das neue Bürgerzentrum öffentlich aus.",
           "15. September 2024: Die ersten Bagger rollen auf das Gelände hinter dem Marktplatz.",
           "1. März 2026: Das Bürgerzentrum soll mit einem Fest für alle Vereine eröffnet werden."],
    "en": ["March 12, 2024: after a long debate the council votes to renovate the old school.",
           "June 3, 2024: the town puts the building work for the new community centre out to tender.",
           "September 15, 2024: the first diggers roll onto the site behind the market square.",
           "March 1, 2026: the community centre is due to open with a party for all the clubs."],
}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_a_story_s_dated_lines_and_its_comment_form_are_no_comments(ctx: RunContext, lang: str) -> None:
    """A timeline at the end of a story, then the comment form ("No comments yet."), no comment:
    dates are one kind of mark only, and a comment form follows stories no one commented on.
    The timeline stays the story's."""
    form = {"de": ["Noch keine Kommentare.", "Sei der Erste, der kommentiert."],
            "en": ["No comments yet.", "Required fields are marked *"]}[lang]
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], *TIMELINE[lang], *form, *BLURBS[lang][3:]]))
    assert all(line in doc.body for line in TIMELINE[lang])


SHOPS = {
    "en": " ".join(f"The shop at number {i} will stay open during the work, its owner says, and hopes the "
                   "scaffolding will not keep his customers away." for i in range(1, 13)),
    "de": " ".join(f"Das Geschäft in Hausnummer {i} bleibt während der Bauarbeiten geöffnet, sagt die Inhaberin, "
                   "und hofft, dass das Gerüst die Kunden nicht fernhält." for i in range(1, 13)),
}


@pytest.mark.parametrize("lang", sorted(STORY))
def test_an_embedded_tweet_above_the_comments_header_is_the_story_s(ctx: RunContext, lang: str) -> None:
    """An embedded tweet's date ("— Name (@handle) January 7, 2020") in the story, the story
    going on, then the comments under their header: the chain of marks starts again at the
    header, and the story below the tweet stays (it was cut from the tweet on when the chain ran
    from the tweet's date to the header's)."""
    header, stamp, reply, comments = COMMENT_RUNS[lang]
    tweet = "— Anna Berger (@annaberger) January 7, 2020"
    after = TWO_PARAGRAPHS_ABOVE[lang]
    # (below the header, two marks and more prose than the story: the header alone ends nothing)
    prose = sentences(LONG_COMMENT[lang] + " " + SHOPS[lang])
    doc = clean(ctx, "\n".join([TEASERS[lang][0], *STORY[lang], tweet, *after, header, stamp, reply, *prose]))
    assert doc.body[-len(after):] == after


@pytest.mark.parametrize("lang,site", [("de", "en"), ("de", "fr"), ("en", "de")])
def test_a_story_on_a_site_of_another_language_is_kept(ctx: RunContext, lang: str, site: str) -> None:
    """The page's language is guessed from its first prose, which on this page is the site's own
    (an appeal to subscribe and comment rules above the story, in another language): the story's
    paragraphs, scored in their own language, are the article, and the page gets its language.
    (Where such furniture runs together to 1.5 times the story's score, as the French lines do
    before an English story here, NEWSDEDUP_OTHER_LANGUAGE_MARGIN keeps the guess.)"""
    title, paras = {"de": ("Schule am Marktplatz wird saniert", [PARA_DE, PARA_DE2, *MORE["de"]]),
                    "en": ("Council renovates the old school", [PARA_EN, PARA_EN2, *MORE["en"]])}[lang]
    prose = [BLURBS[site][4], BLURBS[site][3], *COMMENT_FORMS[site][3:]] * 2  # more than the guess reads
    furniture = [line for p in prose for line in (p, "Advertisement", "Subscribe", "Sign in", "Search", "Menu")]
    doc = clean(ctx, "\n".join([*TEASER_HEADER, *furniture, title, *paras[:4],
                                "Facebook", "Twitter", "Contact", "Privacy", "Terms"]))
    assert doc.body == paras[:4]
    assert doc.language == lang


def test_a_list_of_cut_off_blurbs_is_not_a_teaser(ctx: RunContext) -> None:
    blurbs = "\n".join(f"Council renovates the old school on the square, and {w} …" for w in ("more", "again"))
    doc = clean(ctx, f"Home\nNews\n{blurbs}\nCouncil renovates the old school\n\n{PARA_EN}\n{PARA_EN2}\nRelated\n{blurbs}")
    assert doc.body == [PARA_EN, PARA_EN2]


@pytest.mark.parametrize("name,noise", [
    ("en_harbour.txt", ["Skip to main content", "Advertisement", "Read more:", "Port strike", "Leave a reply",
                        "Photo:", "best news for the town"]),
    ("fr_vignoble.txt", ["Accueil", "Publicité", "Lire aussi", "Crédit photo", "Articles liés",
                         "Le prix du blé", "Répondre", "Tous droits"]),
    ("es_puerto.txt", ["Inicio", "Publicidad", "Lee también", "Noticias relacionadas", "Termina la huelga",
                       "Deja un comentario", "correo electrónico", "(EFE)"]),
    ("it_porto.txt", ["Home", "Pubblicità", "Leggi anche", "Articoli correlati", "Finisce lo sciopero",
                      "Lascia un commento", "indirizzo email", "(ANSA)"]),
    ("de_stadtrat.txt", ["Startseite", "Anzeige", "Lesen Sie auch", "Foto:", "Das könnte", "Neue Buslinie",
                         "Ein Leser schrieb", "jal/dpa"]),
])
def test_test_pages_lose_their_noise_and_keep_their_paragraphs(ctx: RunContext, name: str, noise: list[str]) -> None:
    text = (PAGES / name).read_text(encoding="utf-8")
    doc = clean(ctx, text)
    body = doc.body_text
    for phrase in noise:
        assert phrase not in body, phrase
    long_lines = [ln for ln in text.splitlines() if len(ln.split()) >= 25 and "best news" not in ln
                  and "Endlich" not in ln]
    for line in long_lines:  # every real paragraph survives (credits stripped at most)
        assert line[:60].split(" - ")[-1][:40] in body


# --- repetition (issue 15, item 12) ----------------------------------------------------------
PARA_FR = ("Le conseil municipal a voté mardi soir la rénovation de la vieille école de la place du "
           "marché, qui deviendra un centre social après un long débat.")


def traced(run: Callable[[], object]) -> tuple[float, int]:
    """Seconds and peak traced bytes of ``run()``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        run()
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("junk", ["a." * 250_000, "the same phrase again and again " * 15_000])
def test_a_long_line_of_one_thing_repeated_is_dropped_and_the_article_kept(ctx: RunContext, junk: str) -> None:
    doc = clean(ctx, f"Gemeinderat saniert die alte Schule am Marktplatz\n{PARA_DE}\n{junk}\n{PARA_DE2}\n"
                     f"{PARA_EN}\n{PARA_FR}")
    assert doc.body == [PARA_DE, PARA_DE2, PARA_EN, PARA_FR]
    shown = next(v for v in doc.verdicts if v.reason == "repetitive")
    assert len(shown.text) < 300 and shown.text.endswith(f"({len(junk):,} characters)")


def test_a_ten_megabyte_line_fails_as_repetitive_in_bounded_time_and_memory(ctx: RunContext) -> None:
    stage, doc = CleanStage(ctx), text_doc("a." * 5_000_000)  # took 13 s and 840 MB, and failed as no-text
    failures: list[DocumentFailed] = []

    def run() -> None:
        with pytest.raises(DocumentFailed) as failed:
            stage.process(doc)
        failures.append(failed.value)

    seconds, peak = traced(run)
    assert failures[0].reason == "repetitive" and "10,000,000 of its 10,000,000 characters" in failures[0].message
    assert seconds < 1.0 and peak < 40_000_000


def test_article_text_that_is_mostly_one_phrase_fails_as_repetitive(ctx: RunContext) -> None:
    doc = text_doc("\n".join([PARA_EN] + ["Council members met again in the old town hall on Tuesday"] * 1000))
    doc.html_meta = {"title": "Council renovates the old school"}  # HTML: repeated lines are not dropped
    with pytest.raises(DocumentFailed) as failed:
        CleanStage(ctx).process(doc)
    assert failed.value.reason == "repetitive" and "(NEWSDEDUP_REPETITION_MAX_RATIO)" in failed.value.message


def test_real_pages_in_every_language_have_no_repetitive_line(ctx: RunContext) -> None:
    for path in sorted(PAGES.iterdir()) + sorted(SEEDS.iterdir()):
        doc = clean(ctx, path.read_text(encoding="utf-8"))
        assert doc.body and not any(v.reason == "repetitive" for v in doc.verdicts), path.name


NL = ["De gemeenteraad heeft dinsdagavond na een lang debat besloten de oude school aan het marktplein te "
      "renoveren en er een buurthuis van te maken.",
      "De werkzaamheden beginnen volgend voorjaar en duren ongeveer twee jaar, liet de gemeente weten, en het "
      "grootste deel van de kosten wordt door de provincie betaald.",
      "Omwonenden hadden eerder bezwaar gemaakt tegen de plannen, maar zijn nu tevreden over de nieuwe "
      "inrichting van het plein en de extra parkeerplaatsen."]


def test_a_page_of_a_language_without_a_lexicon_keeps_its_language(ctx: RunContext) -> None:
    """A Dutch story with a German line of furniture below it stays Dutch: the kept run's
    language is another lexicon language only where more of its words are rich in that one."""
    doc = clean(ctx, "\n".join(["Gemeente renoveert oude school", *NL, "Home", "Contact", PARA_DE]))
    assert doc.language == "nl"
    assert doc.body == NL


@pytest.mark.parametrize("marks", [0, 1, 2])
def test_any_number_of_comment_marks_asked_for_is_read(marks: int) -> None:
    """One comment's mark below the header (a date stamp): enough where NEWSDEDUP_COMMENT_MIN_MARKS
    is 1 (0 reads as 1), not where it is 2."""
    header, stamp, _, comments = COMMENT_RUNS["en"]
    page = "\n".join([TEASERS["en"][0], *paras("en"), header, "Anna Berger", stamp, *comments])
    context = RunContext(make_config("sqlite://", NEWSDEDUP_COMMENT_MIN_MARKS=marks))
    try:
        doc = CleanStage(context).process(text_doc(page))
    finally:
        context.close()
    assert (doc.body == paras("en")) == (marks < 2)
