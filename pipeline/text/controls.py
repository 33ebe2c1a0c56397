"""Control characters: what no stored text keeps, so that no page can drive a terminal."""

from __future__ import annotations

import re

# Terminal escape sequences: ESC [ params intermediates final | ESC ] ... (BEL | ESC \) |
# ESC P/X/^/_ ... | ESC intermediates final; and the 8-bit forms, CSI (0x9b) and OSC (0x9d).
# Linear: no quantifier nests, and the classes that follow each other do not overlap.
ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*\x07?|[PX^_][^\x1b]*|[ -/]*[0-~]?)"
                    r"|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x1b\x9c]*[\x07\x9c]?")
# Then the other control characters: no page has a use for them in its text, and printed raw
# they drive the terminal. Tab and newline stay.
CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1: a character class
_ANY_CONTROL = re.compile(f"[{CONTROLS}]")
_CONTROLS: dict[int, str | None] = {**dict.fromkeys([*range(0x00, 0x09), *range(0x0e, 0x20), *range(0x7f, 0xa0)]),
                                     0x0b: "\n", 0x0c: "\n", 0x0d: "\n"}  # vertical tab, form feed, CR: line breaks


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (tab and newline
    stay; vertical tab, form feed and carriage return become newlines)."""
    if _ANY_CONTROL.search(text) is None:
        return text
    return ESCAPE.sub("", text).translate(_CONTROLS)


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def strip_control_references(html: str) -> str:
    """``html`` without character references to control characters (``&#27;``, ``&#x7;``):
    the HTML parser would turn them into the characters themselves (and trafilatura gives up
    on a page that holds them). Other references stay as they are."""
    if "&#" not in html:
        return html
    return _CHAR_REF.sub(_keep_printable_reference, html)


def _keep_printable_reference(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    return "" if code < 0x110000 and _ANY_CONTROL.match(chr(code)) else match.group(0)
