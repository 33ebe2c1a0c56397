"""Author names: is a short text a list of person names, and which."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"\s*(?:,|;|&|\s+und\s+|\s+and\s+|\s+et\s+|\s+y\s+|\s+e\s+|\s*\|\s*)\s*", re.IGNORECASE)
# Lower-case particles allowed inside names: "Ursula von der Leyen", "Charles de Gaulle".
_PARTICLES = {"von", "van", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "zu", "ten", "ter", "bin", "al", "dos", "das"}
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-ÞŁŚŻŹĆŃ][\w'’.-]*$")


def split_authors(text: str, max_words_per_name: int = 4) -> list[str]:
    """The person names in ``text`` ("Anna Roth und Max Muster" -> two), or [] if it is not names."""
    text = text.strip().strip(".:").strip()
    if not text:
        return []
    names = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        if not looks_like_name(part, max_words_per_name):
            return []
        names.append(part)
    return names


def looks_like_name(text: str, max_words: int = 4) -> bool:
    """Two to ``max_words`` capitalised words (particles allowed), or one ALL-CAPS-free word with a hyphen."""
    parts = text.split()
    if not 1 <= len(parts) <= max_words:
        return False
    capitalised = [p for p in parts if _NAME_WORD.match(p)]
    others = [p for p in parts if not _NAME_WORD.match(p)]
    if any(p.lower() not in _PARTICLES for p in others):
        return False
    if len(parts) == 1:
        return False
    return len(capitalised) >= 2 and not all(p.isupper() and len(p) > 1 for p in capitalised)
