"""What the command line prints of stored data: never a terminal control sequence.

Pages are written by strangers, and a terminal obeys what it is sent: an escape sequence in a
stored title can recolour the screen, rewrite the lines above it, set the window title, or on
some terminals answer back as typed input. :func:`printable` removes, from any text about to
be printed, the escape sequences (CSI, OSC, DCS and the other ``ESC`` forms), the C0 controls
but newline and tab, DEL, the C1 controls, and the bidirectional overrides that make text read
other than it is stored. :func:`json_text` escapes the same characters as ``\\uXXXX`` in JSON
instead (a program reading ``--json`` gets the stored text back).
"""

from __future__ import annotations

import re

from pipeline.text.controls import CONTROLS
from pipeline.text.controls import ESCAPE as _ESCAPE  # the same sequences as are never stored

# C0 but \t and \n, DEL, C1; the bidi embeddings, overrides and isolates
_CONTROL = re.compile(f"[{CONTROLS}\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without terminal control sequences and control characters (newlines and tabs kept)."""
    if text.isprintable():  # the usual case: nothing to do
        return text
    return _CONTROL.sub("", _ESCAPE.sub("", text))


def json_text(text: str) -> str:
    """JSON (``json.dumps(..., ensure_ascii=False)``'s output) with the characters that
    :func:`printable` removes written as ``\\uXXXX`` escapes: the same JSON, safe on a terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\x1b", "\\u001b"))
