"""The labelled syndication set of ``benchmarks.dedup``: real article bodies, republished with
random edits by outlets whose page noise is real.

Bases, read from ``shared/bench-data`` (never copied into the project):

- AEB's gold article bodies (English news);
- Dragnet's train split, gold main text (English news and blogs, 2012);
- trafilatura's evaluation corpus, German pages: trafilatura 2.3.1's own output on the page (the
  corpus has no full gold text), kept only where it holds every ``with`` snippet of the page.

Outlets: each takes the noise of one real page (AEB or Dragnet, rendered as pasted text by
``pipeline.text.render``): the rendered lines above the page's gold text are its header, those
below are its footer, cut to random sizes (heavy outlets carry dozens of footer lines). As on
real sites, part of that furniture changes from page to page (related stories, most-read lists,
an author's box): a random share of each outlet's lines is drawn anew for every page from the
noise lines of all the outlets.

Every parameter below is drawn at random for each copy, over the ranges the constants name.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.data import bench_data, decode_page
from pipeline.text.render import render_text

MIN_PARAGRAPH_WORDS = 12  # a base's paragraphs are its lines this long
MIN_PARAGRAPHS = 4  # bases with fewer are left out
OUTLETS = 40
HEADER_LINES = (2, 25)  # noise lines above the article, per outlet
FOOTER_LINES = (3, 80)  # ...and below
VARYING_SHARE = (0.0, 0.5)  # share of an outlet's noise lines that change from page to page
LIGHT_EDIT_RATE = (0.0, 0.02)  # share of words inserted, dropped, swapped or given punctuation
MEDIUM_EDIT_RATE = (0.02, 0.08)
MEDIUM_TRIM = (0.1, 1 / 3)  # share of paragraphs a medium edit drops
REWRITE_MOVES = (1, 3)  # paragraphs a rewrite moves elsewhere, on top of a medium edit
TEASER_CUT = (0.3, 0.9)  # where the teaser's last paragraph is cut, as a share of its words
TEASER_MIN_WORDS = 25  # a one-paragraph teaser shorter than this takes a second paragraph (as sites do)
FOLLOWUP_QUOTES = (1, 3)  # paragraphs of an earlier story a follow-up quotes
DATELINES = ["BERLIN (dpa) - ", "WASHINGTON (AP) — ", "Paris (AFP) - ", "LONDON (Reuters) - ", "Hamburg (dpa) – ",
             "NEW YORK — ", "München (AFP) - "]
TEASER_MARKS = {"en": [" […]", "…", "...", "\nRead more", "\nContinue reading"],
                "de": [" […]", "…", " ...", "\nWeiterlesen", "\nMehr lesen"]}
QUOTES = [("“", "”"), ('"', '"'), ("„", "“"), ("«", "»")]
FILLERS = {"en": ["also", "now", "still", "then", "however"], "de": ["auch", "nun", "noch", "dann", "jedoch"]}
UPDATES = {"en": ["Update {t}: Officials said on {d} that the figures would be revised once all reports were in.",
                  "This story was updated at {t} with comments from the authorities and new details."],
           "de": ["Update {t}: Die Behörden kündigten am {d} an, die Zahlen nach Eingang aller Berichte zu prüfen.",
                  "Dieser Artikel wurde um {t} Uhr mit neuen Angaben der Behörden aktualisiert."]}
DAYS = {"en": ["Monday", "Tuesday", "Friday", "Sunday"], "de": ["Montag", "Dienstag", "Freitag", "Sonntag"]}
COPY_KINDS = ["exact", "light", "medium", "rewrite", "teaser", "update", "corrected"]
NEGATIVE_KINDS = ["template", "follow-up"]


@dataclass
class Base:
    title: str
    paragraphs: list[str]
    language: str


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n") if len(p.split()) >= MIN_PARAGRAPH_WORDS]


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _base(text: str, language: str, first_line_is_title: bool) -> Base | None:
    if _CONTROL.search(text):
        return None  # a gold text decoded wrongly (one Dragnet page is UTF-16 read as bytes)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title = lines[0] if first_line_is_title and lines and len(lines[0].split()) <= 20 else ""
    paras = paragraphs("\n".join(lines[1:] if title else lines))
    if len(paras) < MIN_PARAGRAPHS:
        return None
    return Base(title or " ".join(paras[0].split()[:9]).rstrip(",.;:"), paras, language)


_TITLE = re.compile(rb"<title[^>]*>([^<]{10,300})</title>", re.IGNORECASE)


def _page_title(html: bytes) -> str:
    """The page's <title>, without the site's name ("Headline | Site" -> "Headline")."""
    m = _TITLE.search(html[:200_000])
    if m is None:
        return ""
    parts = re.split(r"\s[|–—-]\s", " ".join(m.group(1).decode("utf-8", "replace").split()))
    return max(parts, key=len).strip()


def bases() -> list[Base]:
    root = bench_data()
    out: list[Base] = []
    for key, item in json.loads((root / "aeb" / "ground-truth.json").read_text(encoding="utf-8")).items():
        base = _base(item["articleBody"], "en", False)
        if base is not None:
            base.title = _page_title((root / "aeb" / "html" / f"{key}.html").read_bytes()) or base.title
        out.append(base)
    for item in json.loads((root / "dragnet-train" / "gold.json").read_text(encoding="utf-8")).values():
        out.append(_base(item["text"], "en", True))
    evaldata = json.loads((root / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    baseline = json.loads((root / "trafilatura-eval" / "baselines" / "trafilatura-2.3.1_standard.json")
                          .read_text(encoding="utf-8"))
    with open(root / "trafilatura-eval" / "index.tsv", encoding="utf-8") as fh:
        german = {row.split("\t")[0] for row in fh if row.rstrip("\n").split("\t")[-2:-1] == ["1"]}
    for url, item in evaldata.items():
        text = baseline.get(url) or ""
        if url in german and all(" ".join(w.split()) in " ".join(text.split()) for w in item["with"]):
            out.append(_base(text, "de", True))
    return [b for b in out if b is not None]


@dataclass
class Outlet:
    """An outlet's page noise: ``header`` and ``footer`` lines; those at the ``varying``
    positions (indices into header + footer) are drawn from ``pool`` anew for every page."""

    header: list[str]
    footer: list[str]
    varying: frozenset[int]
    pool: list[str]


def outlets(rng: random.Random) -> list[Outlet]:
    """The noise lines of each outlet, from real pages; some of them change from page to page."""
    root = bench_data()
    pages: list[tuple[Path, str]] = []
    for key, item in json.loads((root / "aeb" / "ground-truth.json").read_text(encoding="utf-8")).items():
        pages.append((root / "aeb" / "html" / f"{key}.html", item["articleBody"]))
    for key, item in json.loads((root / "dragnet-train" / "gold.json").read_text(encoding="utf-8")).items():
        pages.append((root / "dragnet-train" / "html" / f"{key}.html", item["text"] + "\n" + item["comments"]))
    rng.shuffle(pages)
    found: list[tuple[list[str], list[str]]] = []
    for path, gold in pages:
        if len(found) >= OUTLETS or not path.is_file():
            continue
        folded = " ".join(gold.split())
        lines = [" ".join(ln.split()) for ln in render_text(decode_page(path.read_bytes())).split("\n")]
        inside = [i for i, ln in enumerate(lines) if len(ln.split()) >= MIN_PARAGRAPH_WORDS and ln in folded]
        if not inside:
            continue
        header = [ln for ln in lines[: inside[0]] if ln and ln not in folded]
        footer = [ln for ln in lines[inside[-1] + 1:] if ln and ln not in folded]
        if len(header) >= HEADER_LINES[0] and len(footer) >= FOOTER_LINES[0]:
            found.append((header[-rng.randint(*HEADER_LINES):], footer[: rng.randint(*FOOTER_LINES)]))
    pool = sorted({ln for header, footer in found for ln in header + footer})
    out = []
    for header, footer in found:
        n = len(header) + len(footer)
        varying = frozenset(rng.sample(range(n), round(n * rng.uniform(*VARYING_SHARE))))
        out.append(Outlet(header, footer, varying, pool))
    return out


def page(outlet: Outlet, title: str, paras: list[str], rng: random.Random) -> str:
    noise = [rng.choice(outlet.pool) if i in outlet.varying else ln
             for i, ln in enumerate(outlet.header + outlet.footer)]
    header, footer = noise[: len(outlet.header)], noise[len(outlet.header):]
    return "\n".join([*header, title, "", *("\n\n".join(paras).split("\n")), "", *footer]) + "\n"


def edit_words(paras: list[str], rate: float, language: str, rng: random.Random) -> list[str]:
    """Insert, drop or punctuate about ``rate`` of the words."""
    out = []
    for p in paras:
        res: list[str] = []
        for w in p.split():
            r = rng.random()
            if r < rate / 3:
                continue
            if r < 2 * rate / 3:
                res += [w, rng.choice(FILLERS[language])]
            elif r < rate:
                res.append(w.rstrip(",.") + ",")
            else:
                res.append(w)
        out.append(" ".join(res))
    return out


def requote(paras: list[str], rng: random.Random) -> list[str]:
    opening, closing = rng.choice(QUOTES)
    return [re.sub(r"[“„«\"](.*?)[”“»\"]", lambda m: opening + m.group(1) + closing, p) for p in paras]


def medium(base: Base, rng: random.Random) -> tuple[str, list[str]]:
    paras = list(base.paragraphs)
    for _ in range(round(len(paras) * rng.uniform(*MEDIUM_TRIM))):
        paras.pop(rng.randrange(1, len(paras)) if rng.random() < 0.5 else len(paras) - 1)
    paras = edit_words(requote(paras, rng), rng.uniform(*MEDIUM_EDIT_RATE), base.language, rng)
    if len(paras) > 2 and rng.random() < 0.7:  # two paragraphs run together
        i = rng.randrange(len(paras) - 1)
        paras[i:i + 2] = [paras[i] + " " + paras[i + 1]]
    if rng.random() < 0.3:  # one split in two
        i = rng.randrange(len(paras))
        ws = paras[i].split()
        if len(ws) > 2 * MIN_PARAGRAPH_WORDS:
            cut = len(ws) // 2
            paras[i:i + 1] = [" ".join(ws[:cut]), " ".join(ws[cut:])]
    if rng.random() < 0.6:
        paras[0] = rng.choice(DATELINES) + paras[0]
    title = base.title if rng.random() < 0.5 else " ".join(rng.sample(base.title.split(), len(base.title.split())))
    return title, paras


def rewrite(base: Base, rng: random.Random) -> tuple[str, list[str]]:
    """A medium edit whose paragraphs are also put in another order, as a desk rewriting a wire
    story does: one to three of them moved elsewhere."""
    title, paras = medium(base, rng)
    for _ in range(min(rng.randint(*REWRITE_MOVES), len(paras) - 1)):
        para = paras.pop(rng.randrange(len(paras)))
        paras.insert(rng.randrange(len(paras) + 1), para)
    return title, paras


def teaser(base: Base, rng: random.Random) -> tuple[str, list[str]]:
    n = rng.randint(1, 2)
    if n == 1 and len(base.paragraphs[0].split()) * TEASER_CUT[1] < TEASER_MIN_WORDS:
        n = 2
    paras = base.paragraphs[:n]
    ws = paras[-1].split()
    keep = round(len(ws) * rng.uniform(*TEASER_CUT))
    if n == 1:
        keep = max(keep, min(len(ws) - 1, TEASER_MIN_WORDS))
    paras[-1] = " ".join(ws[: max(6, keep)]).rstrip(",.;:")
    paras[-1] += rng.choice(TEASER_MARKS[base.language])
    return base.title, paras


def update(base: Base, other: Base, rng: random.Random) -> tuple[str, list[str]]:
    t = f"{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"
    note = rng.choice(UPDATES[base.language]).format(t=t, d=rng.choice(DAYS[base.language]))
    added = [note] + other.paragraphs[: rng.randint(0, 1)]
    return base.title, (added + base.paragraphs if rng.random() < 0.5 else base.paragraphs + added)


def corrected(base: Base, rng: random.Random) -> tuple[str, list[str]] | None:
    spots = [(i, m) for i, p in enumerate(base.paragraphs) for m in re.finditer(r"(?<![\d.,])\d+(?![\d.,])", p)]
    if not spots:
        return None
    i, m = rng.choice(spots)
    value = str(int(m.group()) + rng.randint(1, 9))
    paras = list(base.paragraphs)
    paras[i] = paras[i][: m.start()] + value + paras[i][m.end():]
    return base.title, paras


def followup(base: Base, other: Base, rng: random.Random) -> tuple[str, list[str]]:
    k = rng.randint(*FOLLOWUP_QUOTES)
    start = rng.randrange(0, max(1, len(base.paragraphs) - k))
    own = other.paragraphs
    at = rng.randint(1, len(own))
    return other.title, own[:at] + base.paragraphs[start:start + k] + own[at:]


TEMPLATES: dict[str, list[Callable[[random.Random], tuple[str, list[str]]]]] = {}


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _market(rng: random.Random) -> tuple[str, list[str]]:
    index = _pick(rng, "FTSE 100", "Dow Jones", "Nikkei 225", "CAC 40", "S&P 500", "Hang Seng")
    a, b = rng.sample(["Vodafone", "Siemens", "Toyota", "Apple", "Nestle", "Shell", "BMW", "Sony", "Unilever"], 2)
    move, pct = _pick(rng, "rose", "fell", "edged up", "slipped"), f"{rng.uniform(0.1, 2.5):.1f}"
    return f"{index} {move} {pct}% as {a} leads", [
        f"The {index} {move} {pct} percent on {_pick(rng, *DAYS['en'])} to close at {rng.randint(3000, 40000):,} "
        f"points, as investors weighed the latest company results and the outlook for interest rates.",
        f"Shares of {a} led the market after the company reported quarterly sales of {rng.randint(2, 90)} billion "
        f"dollars, while {b} lost {rng.uniform(0.5, 6):.1f} percent after cutting its guidance for the year.",
        "Trading volumes were below the thirty-day average, and traders said they expected a quiet session "
        "ahead of central bank comments due later in the week."]


def _football(rng: random.Random) -> tuple[str, list[str]]:
    home, away = rng.sample(["Bayern", "Dortmund", "Leipzig", "Freiburg", "Mainz", "Bremen", "Köln", "Bochum"], 2)
    g1, g2 = rng.randint(0, 5), rng.randint(0, 5)
    scorer = _pick(rng, "Müller", "Kane", "Schmidt", "Wirtz", "Adeyemi", "Kramer")
    return f"{home} gegen {away}: {g1}:{g2}", [
        f"Der {home} hat am {rng.randint(3, 34)}. Spieltag gegen {away} mit {g1}:{g2} gespielt. Vor "
        f"{rng.randint(15, 80)}.000 Zuschauern traf {scorer} in der {rng.randint(2, 90)}. Minute.",
        f"Nach der Pause drängte {away} auf den Ausgleich, doch der Torhüter hielt in der {rng.randint(46, 90)}. "
        f"Minute einen Elfmeter. Der Trainer sprach nach dem Spiel von einer starken Leistung seiner Mannschaft.",
        f"Mit dem Ergebnis steht {home} nun auf Platz {rng.randint(1, 18)} der Tabelle, {away} bleibt mit "
        f"{rng.randint(10, 60)} Punkten auf Rang {rng.randint(1, 18)}."]


def _police(rng: random.Random) -> tuple[str, list[str]]:
    town = _pick(rng, "Leeds", "Bristol", "Cardiff", "Norwich", "Derby", "Exeter")
    age, person = rng.randint(17, 70), _pick(rng, "man", "woman")
    return f"{age}-year-old {person} arrested in {town}", [
        f"A {age}-year-old {person} was arrested in {town} on {_pick(rng, *DAYS['en'])} after a car was driven "
        f"into a shop front on {_pick(rng, 'High Street', 'Station Road', 'Church Lane', 'Mill Road')}, police said.",
        f"Officers were called at about {rng.randint(1, 11)}.{rng.randint(10, 59)}pm and found {rng.randint(2, 6)} "
        f"people with minor injuries. The road was closed for {rng.randint(2, 8)} hours while the scene was examined.",
        "Anyone who saw what happened or has dashcam footage is asked to contact the police, quoting the "
        "incident number given in the appeal."]


def _weather(rng: random.Random) -> tuple[str, list[str]]:
    region = _pick(rng, "Bayern", "Sachsen", "Hessen", "Niedersachsen", "Thüringen", "Brandenburg")
    return f"Unwetterwarnung für {region}", [
        f"Der Deutsche Wetterdienst hat für {region} eine Unwetterwarnung herausgegeben. Bis {_pick(rng, 'Montag', 'Dienstag', 'Freitag')} "
        f"werden Böen bis {rng.randint(60, 130)} Kilometer pro Stunde und bis zu {rng.randint(20, 80)} Liter Regen erwartet.",
        f"In den Höhenlagen über {rng.randint(4, 12)}00 Metern kann es schneien. Die Temperaturen sinken nachts auf "
        f"{rng.randint(-8, 4)} Grad. Autofahrer sollten mit Glätte rechnen und ihre Fahrt wenn möglich verschieben.",
        "Die Feuerwehren in der Region haben zusätzliche Einsatzkräfte in Bereitschaft versetzt, wie ein Sprecher "
        "am Abend mitteilte."]


SIBLINGS = [_market, _football, _police, _weather]


@dataclass
class Truth:
    story: str
    kind: str


def build(folder: Path, stories: int, rng: random.Random) -> dict[str, Truth]:
    """Write the set under ``folder`` (one subfolder per outlet); {relative path: truth}."""
    pool = bases()
    rng.shuffle(pool)
    chosen, others = pool[:stories], pool[stories:]
    shops = outlets(rng)
    truth: dict[str, Truth] = {}

    def write(title: str, paras: list[str], story: str, kind: str) -> None:
        n = rng.randrange(len(shops))
        name = f"outlet{n:02d}/{story}-{kind}-{len(truth)}.txt"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(page(shops[n], title, paras, rng), encoding="utf-8")
        truth[name] = Truth(story, kind)

    for n, base in enumerate(chosen):
        story = f"s{n}"
        write(base.title, base.paragraphs, story, "original")
        other = others[n % len(others)] if others else chosen[(n + 1) % len(chosen)]
        copies: dict[str, tuple[str, list[str]] | None] = {
            "exact": (base.title, base.paragraphs),
            "light": (base.title, edit_words(requote(base.paragraphs, rng), rng.uniform(*LIGHT_EDIT_RATE),
                                             base.language, rng)),
            "medium": medium(base, rng),
            "rewrite": rewrite(base, rng),
            "teaser": teaser(base, rng),
            "update": update(base, other, rng),
            "corrected": corrected(base, rng),
        }
        for kind, copy in copies.items():
            if copy is not None and rng.random() < 0.8:
                write(*copy, story, kind)
        if rng.random() < 0.4:
            quoting = others[(n + 7) % len(others)] if others else chosen[(n + 2) % len(chosen)]
            write(*followup(base, quoting, rng), f"{story}-followup", "follow-up")
    for n in range(max(8, stories // 3)):
        write(*rng.choice(SIBLINGS)(rng), f"t{n}", "template")
    return truth
