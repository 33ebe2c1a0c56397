"""Dates as news pages print them, in German, English, French, Spanish and Italian.

Month names come from the ``[months names]`` sections of the lexicon files.
Numeric dates are read day first (``15.08.2022``), except ISO ``2022-08-15``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pipeline.text.lexicon import Lexicon

# White space before each optional part belongs to that part, taken whole (possessive): a long run
# of spaces is never split between two of them.
_TIME = (r"(?:,?\s*+(?:(?:um|at|à|a las|alle|-)\s*+)?(\d{1,2})[.:h](\d{2})(?::\d{2})?"
         r"\s*+(?:([ap])\.?\s?m\b\.?)?(?:\s*+uhr)?(?:\s++\(?[A-Z]{2,5}\)?(?!\w))?)?")
_YEAR_END = r"(?:(?!\d)|(?=\d{1,2}[:.]\d{2}))"  # "2019" alone, or glued to a time ("20195:45")
_FOUR_DIGITS = re.compile(r"\d{4}")  # every pattern below has a year of four digits: most lines have none


@dataclass(frozen=True)
class DateMatch:
    value: datetime
    start: int
    end: int


class DateFinder:
    """Finds the first date in a line of text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.months = {name: int(num) for name, num in lexicon.name_list("months").items()}
        names = "|".join(sorted((re.escape(m) for m in self.months), key=len, reverse=True))
        day = r"(?<!\d)(\d{1,2})(?:\.|er|st|nd|rd|th|º)?"
        self.patterns: list[tuple[str, re.Pattern[str]]] = [
            ("iso", re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})())?")),
            ("dmy", re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})" + _YEAR_END + _TIME, re.IGNORECASE)),
            ("d_month_y", re.compile(day + r"\s*(?:de\s+)?(" + names + r")\.?,?\s+(?:de\s+)?(\d{4})" + _YEAR_END + _TIME,
                                     re.IGNORECASE)),
            ("month_d_y", re.compile(r"(?<![^\W\d_])(" + names + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
                                     + _YEAR_END + _TIME, re.IGNORECASE)),
        ]

    def find(self, text: str) -> DateMatch | None:
        if _FOUR_DIGITS.search(text) is None:
            return None
        best: DateMatch | None = None
        for kind, pattern in self.patterns:
            for m in pattern.finditer(text):
                value = self._build(kind, m.groups())
                if value is not None:
                    if best is None or m.start() < best.start:
                        best = DateMatch(value, m.start(), m.end())
                    break
        return best

    def _build(self, kind: str, g: tuple[str | None, ...]) -> datetime | None:
        try:
            if kind == "iso":
                y, mo, d, hh, mm, ampm = g
            elif kind == "dmy":
                d, mo, y, hh, mm, ampm = g
            elif kind == "d_month_y":
                d, name, y, hh, mm, ampm = g
                mo = str(self.months[name.lower()])
            else:
                name, d, y, hh, mm, ampm = g
                mo = str(self.months[name.lower()])
            hour = int(hh or 0)
            if ampm and ampm.lower() == "p" and hour < 12:
                hour += 12
            elif ampm and ampm.lower() == "a" and hour == 12:
                hour = 0
            return datetime(int(y), int(mo), int(d), hour, int(mm or 0))  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError):
            return None
