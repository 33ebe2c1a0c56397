"""Folders of pages for property tests (Hypothesis): stories, copies and their hard cases.

Text comes from real pages (the seeds and ``tests/fixtures/pages``: German, English, French,
Spanish, Italian); Hypothesis draws what is done with it: stories of a few paragraphs, copies
with page furniture, edits, dropped and reordered paragraphs, teasers cut mid-sentence,
paragraphs that open with the same words, repeated paragraphs, empty and one-word paragraphs,
one very long line, unicode oddities (emoji, joiners, combining accents, right-to-left and CJK
text), pages too short to be articles, empty files and binary files; as text or HTML, in a
random order of names.
"""

from __future__ import annotations

import html
from pathlib import Path

from hypothesis import strategies as st

from tests.conftest import PAGES, SEEDS

PARAGRAPHS = sorted({line.strip() for path in [*SEEDS.glob("*.txt"), *PAGES.glob("*.txt")]
                     for line in path.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 12})
FURNITURE = ["Startseite", "Politik", "Home", "World", "Accueil", "Teilen", "Share this article", "Partager",
             "Anzeige", "Advertisement", "Publicité", "Mehr zum Thema", "Related articles", "Articles liés",
             "Kommentare (3)", "Comments", "© 2025 Example Media", "Newsletter abonnieren", "Read more"]
ODDITIES = ["😀", "\u200d", "\u200b", "e\u0301", "\u202eשלום עולם\u202c", "北京 上海", "\ufeff", "ﬁ", "\t", "Ⅻ"]
# a page whose two paragraphs open with the same eight words (it once broke the batch around it)
BRIDGE = """Council approves the new bridge over the river

The city council said on Wednesday that the new bridge over the river will be built by the year 2030 at a cost of many millions.

The city council said on Wednesday that the old tunnel under the harbour will be closed for repairs during the whole of next summer.
"""
KINDS = ["story", "story", "copy", "copy", "teaser", "twins", "repeats", "sparse", "longline", "unicode",
         "tiny", "empty", "binary"]


@st.composite
def story(draw: st.DrawFn) -> tuple[str, list[str]]:
    paras = draw(st.lists(st.sampled_from(PARAGRAPHS), min_size=2, max_size=6, unique=True))
    title_words = paras[0].split()[: draw(st.integers(4, 10))]
    return " ".join(title_words).rstrip(",.;:"), paras


@st.composite
def edited(draw: st.DrawFn, paras: list[str]) -> list[str]:
    """A copy as another outlet carries it: a paragraph dropped, two swapped, words changed."""
    out = list(paras)
    if len(out) > 2 and draw(st.booleans()):
        out.pop(draw(st.integers(0, len(out) - 1)))
    if len(out) > 1 and draw(st.booleans()):
        i = draw(st.integers(0, len(out) - 2))
        out[i], out[i + 1] = out[i + 1], out[i]
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(out) - 1))
        words = out[i].split()
        j = draw(st.integers(0, len(words) - 1))
        words[j] = draw(st.sampled_from(["neue", "new", "nouveau", "2025", "laut", "said", "selon"]))
        out[i] = " ".join(words)
    return out


@st.composite
def page(draw: st.DrawFn, earlier: list[tuple[str, list[str]]]) -> tuple[str, bytes, tuple[str, list[str]] | None]:
    """(kind, bytes, the story it tells if any)."""
    kind = draw(st.sampled_from(KINDS))
    if kind in ("copy", "teaser") and not earlier:
        kind = "story"
    if kind == "empty":
        return kind, b"", None
    if kind == "binary":
        return kind, draw(st.binary(min_size=64, max_size=512)) + b"\x00\x01", None
    if kind == "tiny":
        return kind, draw(st.sampled_from(["Kurz notiert", "Breaking", "Dépêche: rien de neuf"])).encode(), None
    if kind in ("copy", "teaser"):
        title, paras = told = draw(st.sampled_from(earlier))
        if kind == "copy":
            paras = draw(edited(paras))
        else:
            words = paras[0].split()
            cut = draw(st.integers(min(12, len(words)), len(words)))
            paras = [" ".join(words[:cut]) + draw(st.sampled_from([" …", " […]", "... Read more", " Mehr lesen"]))]
    else:
        title, paras = draw(story())
        told = (title, paras)  # later copies copy the story, not this page's oddities
        if kind == "twins":  # paragraphs that open with the same words, then part
            opening = " ".join(paras[0].split()[: draw(st.integers(8, 12))])
            others = draw(st.lists(st.sampled_from(PARAGRAPHS), min_size=1, max_size=3))
            paras = [paras[0], *(f"{opening} {' '.join(o.split()[6:])}" for o in others), *paras[1:]]
        elif kind == "repeats":
            paras = [*paras, *draw(st.lists(st.sampled_from(paras), min_size=1, max_size=3))]
        elif kind == "sparse":
            filler = draw(st.lists(st.sampled_from(["", "", "Ja.", "Oui", "Update", "—", "1"]), min_size=2, max_size=8))
            paras = [p for pair in zip(paras, filler + [""] * len(paras)) for p in pair]
        elif kind == "longline":
            paras = [" ".join(paras * draw(st.integers(20, 200)))]
        elif kind == "unicode":
            paras = [p.replace(" ", f" {draw(st.sampled_from(ODDITIES))} ", draw(st.integers(1, 3))) for p in paras]
    furniture = draw(st.lists(st.sampled_from(FURNITURE), max_size=6))
    return kind, render(title, paras, furniture, as_html=draw(st.booleans())), told


def render(title: str, paras: list[str], furniture: list[str], *, as_html: bool) -> bytes:
    half = len(furniture) // 2
    if as_html:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
        nav = "".join(f"<li>{html.escape(f)}</li>" for f in furniture[:half])
        foot = " · ".join(html.escape(f) for f in furniture[half:])
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
                f"<body><nav><ul>{nav}</ul></nav><article><h1>{html.escape(title)}</h1>{body}</article>"
                f"<footer>{foot}</footer></body></html>").encode("utf-8")
    return "\n".join([*furniture[:half], title, "", *[f"{p}\n" for p in paras], *furniture[half:]]).encode("utf-8")


@st.composite
def folders(draw: st.DrawFn, min_pages: int = 2, max_pages: int = 12) -> list[tuple[str, bytes]]:
    """(file name, bytes) of a folder of pages."""
    n = draw(st.integers(min_pages, max_pages))
    told: list[tuple[str, list[str]]] = []
    files = []
    names = draw(st.permutations(range(n)))  # names do not follow the order pages were made in
    for i in range(n):
        kind, data, tells = draw(page(told))
        if tells is not None:
            told.append(tells)
        suffix = ".html" if data.lstrip().startswith(b"<!DOCTYPE") else ".txt"
        files.append((f"p{names[i]:03d}-{kind}{suffix}", data))
    return files


def write(folder: Path, files: list[tuple[str, bytes]]) -> list[str]:
    """Write the files; return their URIs, as ingest records them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    return sorted((folder / name).absolute().as_uri() for name, _ in files)
