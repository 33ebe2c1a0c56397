"""Author names: is a short text a list of person names, and which.

The words that join names ("und", "and", "et") and the particles allowed inside
names ("von der", "de") come from the lexicon's ``[name_joiners names]`` and
``[name_particles names]`` sections.
"""

from __future__ import annotations

import re

from pipeline.text.lexicon import Lexicon

_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-ÞŁŚŻŹĆŃ][\w'’.-]*$")


class NameParser:
    """Splits bylines into person names, with the joiners and particles of the loaded languages."""

    def __init__(self, lexicon: Lexicon) -> None:
        joiners = "|".join(sorted(map(re.escape, lexicon.name_list("name_joiners")), key=len, reverse=True))
        # Each run of spaces is read once, from its start (safe on long runs of white space).
        self.separators = re.compile(rf"(?:(?<!\s)\s++)?(?:[,;&|]|(?<=\s)(?:{joiners or '(?!)'})(?=\s))\s*", re.IGNORECASE)
        self.particles = set(lexicon.name_list("name_particles"))

    def split(self, text: str, max_words_per_name: int = 4) -> list[str]:
        """The person names in ``text`` ("Anna Roth und Max Muster" -> two), or [] if it is not names."""
        text = text.strip().strip(".:").strip()
        if not text:
            return []
        names = []
        for part in self.separators.split(text):
            part = part.strip()
            if not part:
                continue
            if not self.looks_like_name(part, max_words_per_name):
                return []
            names.append(part)
        return names

    def looks_like_name(self, text: str, max_words: int = 4) -> bool:
        """Two to ``max_words`` capitalised words, lower-case particles allowed between them."""
        parts = text.split()
        if not 2 <= len(parts) <= max_words:
            return False
        capitalised = [p for p in parts if _NAME_WORD.match(p)]
        if any(p.lower() not in self.particles for p in parts if not _NAME_WORD.match(p)):
            return False
        return len(capitalised) >= 2 and not all(p.isupper() and len(p) > 1 for p in capitalised)
