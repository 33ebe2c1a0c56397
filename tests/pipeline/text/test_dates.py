"""Dates in the formats news pages print."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.text.dates import DateFinder
from pipeline.text.lexicon import Lexicon


@pytest.fixture(scope="module")
def finder() -> DateFinder:
    return DateFinder(Lexicon.load(("de", "en", "fr", "es", "it")))


@pytest.mark.parametrize("text,expected", [
    ("15.08.2022 10.08", datetime(2022, 8, 15, 10, 8)),
    ("Veröffentlicht am 03.05.2024, 14:20 Uhr", datetime(2024, 5, 3, 14, 20)),
    ("Die Zeitung13. Juli 2025", datetime(2025, 7, 13)),
    ("2. März 2024", datetime(2024, 3, 2)),
    ("March 4, 2024 at 9:15", datetime(2024, 3, 4, 9, 15)),
    ("4 March 2024", datetime(2024, 3, 4)),
    ("Sept. 30, 2023", datetime(2023, 9, 30)),
    ("Publié le 1er décembre 2023 à 08h30", datetime(2023, 12, 1, 8, 30)),
    ("13 de julio de 2025", datetime(2025, 7, 13)),
    ("5 maggio 2024", datetime(2024, 5, 5)),
    ("2024-01-02T10:00:00+01:00", datetime(2024, 1, 2, 10, 0)),
])
def test_finds_dates(finder: DateFinder, text: str, expected: datetime) -> None:
    found = finder.find(text)
    assert found is not None and found.value == expected


@pytest.mark.parametrize("text", ["31.02.2024", "Mai", "Seite 12 von 30", "1.200 Soldaten"])
def test_no_date(finder: DateFinder, text: str) -> None:
    assert finder.find(text) is None
