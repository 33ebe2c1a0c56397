"""Stop words of the clean stage: jusText's lists without the other languages' words."""

from __future__ import annotations

import re

import pytest

from pipeline.text.stopwords import stopwords

# One paragraph of news in each language (not from any list's source).
PROSE = {
    "en": "The council said on Tuesday that the new bridge over the river would open in the spring of next "
          "year, after engineers found that the old one could no longer carry the weight of the buses.",
    "de": "Der Stadtrat teilte am Dienstag mit, dass die neue Brücke über den Fluss im Frühjahr des nächsten "
          "Jahres eröffnet werden soll, nachdem Ingenieure festgestellt hatten, dass die alte Brücke die Busse "
          "nicht mehr tragen kann.",
    "fr": "Le conseil a annoncé mardi que le nouveau pont sur la rivière ouvrirait au printemps de l'année "
          "prochaine, après que les ingénieurs ont constaté que l'ancien ne pouvait plus supporter le poids "
          "des bus.",
    "es": "El ayuntamiento anunció el martes que el nuevo puente sobre el río se abrirá en la primavera del "
          "próximo año, después de que los ingenieros comprobaran que el antiguo ya no podía soportar el peso "
          "de los autobuses.",
    "it": "Il consiglio ha annunciato martedì che il nuovo ponte sul fiume aprirà nella primavera del prossimo "
          "anno, dopo che gli ingegneri hanno constatato che quello vecchio non poteva più reggere il peso "
          "degli autobus.",
}


def share(text: str, language: str) -> float:
    words = re.findall(r"\w+", text.lower())
    return sum(w in stopwords(language) for w in words) / len(words)


@pytest.mark.parametrize("language", sorted(PROSE))
def test_prose_is_richest_in_its_own_language(language: str) -> None:
    """Each paragraph has at least 30% of its own language's stop words, more than of any other's;
    English and German prose under 15% of any other's (jusText's German and French lists held
    "the", "of" and "and": English prose had 20% of German stop words). The Romance languages
    share function words ("de", "la", "que") for real."""
    own = share(PROSE[language], language)
    assert own >= 0.3
    for other in PROSE:
        if other != language:
            assert share(PROSE[language], other) < (0.15 if language in ("en", "de") else own), other


def test_a_word_of_two_languages_stays_where_snowball_lists_it() -> None:
    """"in", "was" and "so" are German function words too; "the" and "of" are not."""
    assert {"in", "was", "so", "der", "und"} <= stopwords("de")
    assert not {"the", "of", "and"} & stopwords("de")
    assert {"the", "of", "and", "in"} <= stopwords("en")
    assert stopwords("xx") == frozenset()
