"""clean: separate the article from the page's noise, line by line, without a DOM."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from pipeline.context import RunContext
from pipeline.items import Document, LineVerdict
from pipeline.stages.base import Stage
from pipeline.text.bylines import split_authors
from pipeline.text.dates import DateFinder
from pipeline.text.lexicon import Lexicon, LexiconMatch
from pipeline.text.normalize import clean_line, fold, letters_key, word_count

_SHORTCODE = re.compile(r"^\[/?[a-z][\w-]*(?:\s[^\]]*)?\]$", re.IGNORECASE)
_TEASER_END = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*$")
_SENTENCE_END = re.compile(r"[.!?…:;\"'“”»«)]\s*$")
_URL_OR_DOMAIN = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)
_CREDIT_TOKENS = re.compile(r"[/,]\s*|\s+")
_TRAILING_CREDIT = re.compile(r"\s*\(([^()]{2,40})\)\s*$")
_LEADING_DATELINE = re.compile(
    r"^(?P<place>[A-ZÄÖÜÀ-Þ][\w.'-]*(?:\s[A-ZÄÖÜÀ-Þ][\w.'-]*){0,2})\s*"
    r"(?:\((?P<agency>[^()]{2,30})\))?\s*[-–—]\s+(?=\S)"
)


@dataclass
class _Line:
    text: str
    words: int
    key: str
    match: LexiconMatch | None
    verdict: str | None = None  # None: not decided yet; "body" at the end when kept

    @property
    def paragraph_like(self) -> bool:
        return self.verdict in (None, "body") and self.words > 0


class CleanStage(Stage):
    """Decides, for each line of a page, whether it is article text, metadata or noise.

    Keeps: the title (the first headline-shaped line, or the HTML title) and the
    body paragraphs, subheads included.

    Takes out as metadata (``meta_lines``, parsed by the metadata stage):
    bylines and author boxes, date lines, agency credits ("(dpa)",
    "sba/loc/news.de/dpa", "Quelle: …").

    Drops, with a reason per line: lines before the title (menus, category
    labels); boilerplate phrases from the per-language lexicon (comments, ads,
    related lists, read-also, newsletter, share, cookie, copyright, image
    credits); everything below a comments header once the article has begun;
    CMS shortcodes; bare counters; share lines naming social platforms; teasers
    and captions repeated in full elsewhere on the page; the title repeated;
    short non-sentence lines after the last paragraph (footers).

    Fails: ``no-text``, when fewer than ``NEWSDEDUP_MIN_TEXT_WORDS`` words remain.
    """

    name = "clean"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.opts = ctx.config.clean
        self.lexicon = Lexicon.load(self.opts.lexicon_languages, self.opts.lexicon_max_words)
        self.dates = DateFinder(self.lexicon)
        self.agencies = set(self.lexicon.name_list("agencies"))
        self.platforms = list(self.lexicon.name_list("platforms"))

    def process(self, doc: Document) -> Document:
        lines = [_Line(t, word_count(t), letters_key(t), None) for t in map(clean_line, doc.lines)]
        lines = [ln for ln in lines if ln.text]
        for ln in lines:
            ln.match = self.lexicon.match(ln.text)
        meta: list[tuple[str, str]] = []
        self._classify(lines, meta)
        title = self._find_title(lines, doc.html_meta.get("title"))
        self._scan_body(lines, title)
        self._drop_repeats(lines)
        self._drop_author_lines(lines, meta)
        self._drop_footer(lines)
        body = self._finish_body(lines, meta)

        doc.title = title
        doc.body = body
        doc.meta_lines = meta
        doc.verdicts = [LineVerdict(ln.text, ln.verdict in ("body", "title"), ln.verdict or "body")
                        for ln in lines]
        for ln in lines:
            self.count(f"lines/{ln.verdict}")
        if sum(word_count(p) for p in body) < self.opts.min_text_words:
            self.fail("no-text", f"fewer than {self.opts.min_text_words} words of article text "
                                 "are left after cleaning")
        return doc

    # --- pass 1: what each line is on its own -----------------------------------
    def _classify(self, lines: list[_Line], meta: list[tuple[str, str]]) -> None:
        awaiting: str | None = None  # a label line announces the next short line
        for ln in lines:
            if awaiting and ln.words <= self.opts.short_line_max_words:
                kind = awaiting
                awaiting = None
                if kind == "author" and split_authors(ln.text):
                    meta.append(("author", ln.text))
                    ln.verdict = "meta:author"
                    continue
                if kind == "credit":
                    meta.append(("credit", ln.text))
                    ln.verdict = "meta:credit"
                    continue
            awaiting = None
            m = ln.match
            if _SHORTCODE.match(ln.text):
                ln.verdict = "shortcode"
            elif m is not None and m.action == "meta":
                ln.verdict, awaiting = self._meta_line(ln, m, meta)
            elif self._is_date_line(ln, meta):
                ln.verdict = "meta:date"
            elif not ln.key:
                ln.verdict = "counter"
            elif self._is_credit_line(ln.text):
                meta.append(("credit", ln.text.strip("()")))
                ln.verdict = "meta:credit"
            elif m is not None:
                ln.verdict = m.category
            elif self._is_share_line(ln):
                ln.verdict = "share"

    def _meta_line(self, ln: _Line, m: LexiconMatch, meta: list[tuple[str, str]]) -> tuple[str | None, str | None]:
        """(verdict, what the next line is) for a line the lexicon marks as metadata."""
        if m.category == "byline":
            found = self.dates.find(m.rest)
            names = (m.rest[:found.start] + m.rest[found.end:]).strip(" ,|·-–—") if found else m.rest
            if split_authors(names):
                if found:
                    meta.append(("date", m.rest[found.start:found.end]))
                meta.append(("author", names))
                return "meta:author", None
            return None, None  # "Von Berlin aus …" is not a byline
        if m.category == "author_label":
            return ("meta:author", "author") if not m.rest else (None, None)
        if m.category == "source_label":
            if m.rest:
                meta.append(("credit", m.rest))
                return "meta:credit", None
            return "meta:credit", "credit"
        if m.category == "date_label":
            return "meta:date", None
        return None, None

    def _is_date_line(self, ln: _Line, meta: list[tuple[str, str]]) -> bool:
        if ln.words > self.opts.short_line_max_words + 4:
            return False
        found = self.dates.find(ln.text)
        if found is None:
            return False
        rest = (ln.text[:found.start] + " " + ln.text[found.end:]).strip(" |·,-–—")
        label = self.lexicon.match(rest) if rest else None
        if label is not None and label.category == "date_label":
            rest = label.rest
        if word_count(rest) > self.opts.short_line_max_words // 2 + 1 or _SENTENCE_END.search(rest):
            return False
        if any(w[0].islower() for w in rest.split()):
            return False
        meta.append(("date", ln.text))
        if rest and rest[0].isupper() and not self.dates.find(rest):
            meta.append(("outlet", rest))
        return True

    def _is_credit_line(self, text: str) -> bool:
        """'sba/loc/news.de/dpa', '(dpa)', 'AFP/Reuters': short tokens, one an agency."""
        if ":" in text or (" " in text.strip("() ") and "/" not in text):
            return False
        tokens = [t.lower() for t in _CREDIT_TOKENS.split(text.strip("() ")) if t]
        if not 1 <= len(tokens) <= 8 or any(len(t) > 20 for t in tokens):
            return False
        return any(t in self.agencies for t in tokens)

    def _is_share_line(self, ln: _Line) -> bool:
        if ln.words > self.opts.lexicon_max_words:
            return False
        low = fold(ln.text)
        return sum(1 for p in self.platforms if re.search(rf"\b{re.escape(p)}\b", low)) >= 2

    # --- pass 2: the title ----------------------------------------------------
    def _find_title(self, lines: list[_Line], given: str | None) -> str:
        opts = self.opts
        if given:
            return clean_line(given)
        candidates = [ln for ln in lines if ln.verdict is None][: opts.title_search_lines]
        for ln in candidates:
            if opts.title_min_words <= ln.words <= opts.title_max_words:
                for before in lines[: lines.index(ln)]:
                    if before.verdict is None:
                        before.verdict = "before-title"
                ln.verdict = "title"
                return ln.text
        for ln in candidates:  # no headline shape: take the first undecided line
            ln.verdict = "title"
            return ln.text
        return ""

    # --- pass 3: comments cut, related boxes, repeated title ------------------
    def _scan_body(self, lines: list[_Line], title: str) -> None:
        opts = self.opts
        title_key = letters_key(title)
        started = title_key == "" or not any(ln.verdict == "title" for ln in lines)
        paragraphs = 0
        i = 0
        while i < len(lines):
            ln = lines[i]
            if ln.verdict == "title":
                started = True
            elif not started:
                pass
            elif ln.match is not None and ln.match.action == "cut" and ln.verdict == ln.match.category:
                if paragraphs >= opts.cut_after_paragraphs:
                    for rest in lines[i + 1:]:
                        rest.verdict = f"after-{ln.match.category}"
                    return
            elif ln.match is not None and ln.match.action == "box" and ln.verdict == ln.match.category:
                j = i + 1
                while j < len(lines) and lines[j].verdict is None and lines[j].words < opts.paragraph_min_words:
                    lines[j].verdict = f"in-{ln.match.category}"
                    j += 1
                i = j
                continue
            elif ln.verdict is None and title_key and ln.key == title_key:
                ln.verdict = "title-repeat"
            elif ln.verdict is None and self._is_paragraph(ln):
                paragraphs += 1
            i += 1

    def _is_paragraph(self, ln: _Line) -> bool:
        return ln.words >= self.opts.paragraph_min_words or (
            ln.words >= self.opts.short_line_max_words and bool(_SENTENCE_END.search(ln.text))
        )

    # --- pass 4: teasers and captions shown twice -----------------------------
    def _drop_repeats(self, lines: list[_Line]) -> None:
        # Lines in comment sections and link boxes may quote the article: not evidence.
        keys = sorted({ln.key for ln in lines
                       if ln.key and not (ln.verdict or "").startswith(("after-", "in-"))})
        seen: set[str] = set()
        for ln in lines:
            if ln.verdict is not None or ln.words < self.opts.min_repeat_words:
                continue
            stem = letters_key(_TEASER_END.sub("", ln.text))
            k = bisect.bisect_left(keys, stem)
            longer = [keys[j] for j in (k, k + 1) if j < len(keys) and keys[j] != stem]
            if any(other.startswith(stem + " ") for other in longer):
                ln.verdict = "repeat"
            elif ln.key in seen:
                ln.verdict = "repeat"
            seen.add(ln.key)

    # --- pass 5: author boxes -------------------------------------------------
    def _drop_author_lines(self, lines: list[_Line], meta: list[tuple[str, str]]) -> None:
        names = [letters_key(n) for kind, text in meta if kind == "author"
                 for n in split_authors(text)]
        if not names:
            return
        for ln in lines:
            if ln.verdict is None and ln.words <= self.opts.short_line_max_words and any(
                n in ln.key for n in names
            ):
                ln.verdict = "author-box"

    # --- pass 6: footers ------------------------------------------------------
    def _drop_footer(self, lines: list[_Line]) -> None:
        last = max((i for i, ln in enumerate(lines) if ln.verdict is None and self._is_paragraph(ln)),
                   default=None)
        if last is None:
            return
        for ln in lines[last + 1:]:
            if ln.verdict is None and ln.words < self.opts.paragraph_min_words and not _SENTENCE_END.search(ln.text):
                ln.verdict = "after-body"

    # --- pass 7: inline credits, then the body ----------------------------------
    def _finish_body(self, lines: list[_Line], meta: list[tuple[str, str]]) -> list[str]:
        body: list[str] = []
        for ln in lines:
            if ln.verdict is not None:
                continue
            text = ln.text
            trailing = _TRAILING_CREDIT.search(text)
            if trailing and self._is_credit_line(trailing.group(1)):
                meta.append(("credit", trailing.group(1)))
                text = text[: trailing.start()].rstrip()
            leading = _LEADING_DATELINE.match(text)
            if leading:
                agency = leading.group("agency")
                place = leading.group("place")
                if agency and self._is_credit_line(agency):
                    meta.append(("credit", agency))
                    text = text[leading.end():]
                elif not agency and self._is_credit_line(place):
                    meta.append(("credit", place))
                    text = text[leading.end():]
            if _URL_OR_DOMAIN.match(text):
                ln.verdict = "link"
                continue
            ln.verdict = "body"
            ln.text = text
            body.append(text)
        return body
