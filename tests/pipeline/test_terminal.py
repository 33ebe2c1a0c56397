"""Printing stored text: no terminal control sequence reaches the terminal, in bounded time."""

from __future__ import annotations

import json
import time

import pytest

from pipeline.terminal import json_text, printable

HOSTILE = ("Kim\x1b[2J\x1b[H\x1b[31mred\x1b[0m \x1b]0;owned\x07\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ "
           "\x1bP+q544e\x1b\\\x9b6n\r\x08\x00\x07\x7f\u202eevil\u2066x\u2069 \x1b(B\x1bc end")


def test_control_sequences_are_removed_and_text_kept() -> None:
    assert printable(HOSTILE) == "Kimred link evilx  end"
    assert printable("Grüße „so“, ⟦Kim⟧ 北朝鮮\n\tnext line") == "Grüße „so“, ⟦Kim⟧ 北朝鮮\n\tnext line"
    assert printable("\u200fRTL mark kept") == "\u200fRTL mark kept"


def test_json_keeps_the_text_escaped() -> None:
    out = json_text(json.dumps({"title": HOSTILE}, ensure_ascii=False))
    assert json.loads(out) == {"title": HOSTILE}
    assert not any(c in out for c in "\x1b\x9b\x07\r\x00\u202e\u2066")


@pytest.mark.parametrize("text", ["\x1b]" * 500_000, "\x1b[" + "0;" * 500_000, "\x1bP" * 500_000, "\x9b" * 10**6,
                                  "\x9d" * 10**6, "\x9b" + "0" * 10**6])
def test_a_megabyte_of_escapes_is_cleaned_in_well_under_a_second(text: str) -> None:
    started = time.perf_counter()
    assert "\x1b" not in printable(text)
    assert time.perf_counter() - started < 0.5
