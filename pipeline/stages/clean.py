"""clean: separate the article from the page's noise, line by line, without a DOM."""

from __future__ import annotations

import bisect
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

import py3langid

from pipeline.context import RunContext
from pipeline.items import Document, LineVerdict
from pipeline.stages.base import Stage
from pipeline.text.bylines import NameParser
from pipeline.text.dates import DateFinder
from pipeline.text.lexicon import Lexicon, LexiconMatch, alternatives
from pipeline.text.normalize import clean_line, ends_sentence, fold, letters_key, word_count, words
from pipeline.text.stopwords import stopwords

_SHORTCODE = re.compile(r"^\[/?[a-z][\w-]*(?:\s[^\]]*)?\](?:.*\[/[a-z][\w-]*\])?$", re.IGNORECASE)
# Every pattern here reads text from the web: none may backtrack over a long run of one kind of
# character. A run of white space (or of an address's characters) is entered only at its start
# (``(?<!\s)``) and taken whole (``++``, ``*+``); tests/pipeline/text/test_regex_safety.py times the worst cases.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+\b")
_TEASER_END = re.compile(r"(?:(?<!\s)\s++)?(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*$")
_TEASER_ENDS = ("…", "...", "]", ")")
_BRACKETED_END = re.compile(r"(?:\[\s*+(?:…|\.\.\.)\s*+\]|\(\s*+(?:…|\.\.\.)\s*+\))\s*$")
_LEADING_LINK = re.compile(r"^(?:https?://|www\.)\S*+\s*+")  # "http://twitter.com/jyarmis Jonathan L. Yarmis"
_URL_OR_DOMAIN = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)
_CREDIT_TOKENS = re.compile(r"[/,]\s*|\s+")
_TRAILING_CREDIT = re.compile(r"\(([^()]{2,40})\)\s*$")  # (the text before it is stripped)
_LEADING_DATELINE = re.compile(
    r"^(?P<place>[A-ZÄÖÜÀ-Þ][\w.'-]*(?:\s[A-ZÄÖÜÀ-Þ][\w.'-]*){0,2})\s*+"
    r"(?:\((?P<agency>[^()]{2,30})\)\s*+)?[-–—]\s+(?=\S)"
)
_SEPARATORS = re.compile(r"\s[|·•»›]\s")
_BYLINE_END = re.compile(r"\s(?:[|·•]|[-–—]\s)")
_DATE_REST_SPLIT = re.compile(r"(?:(?<!\s)\s++)?(?:[|·•,]|(?<=\s)[-–—](?=\s))\s*")
_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*+(?:[ap]\.?m\.?|uhr|h)?(?:\s++[A-Z]{2,4}\b)?", re.IGNORECASE)
# a numeric date as comment systems stamp them ("10/18/2012", "11.06.12" with a clock): read as a
# comment's mark only, never as the page's date (day and month order are unknown)
_NUMERIC_STAMP = re.compile(r"(?<![\d./])\d{1,2}([./])\d{1,2}\1(?:\d{4}|\d{2})(?![\d./])")
_INNER_SENTENCE_END = re.compile(r"[.!?…]\s++\S")  # "… ist nicht wahr. Diese Welt …": two sentences
_NOT_A_TITLE_END = re.compile(r"(?:[.,;:]|…|\.\.\.|\[…\])\s*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_NO_MARK: frozenset[str] = frozenset()  # what marks a line as a reader's comment's (``_mark_kinds``)
_FURNITURE, _FORM = frozenset({"furniture"}), frozenset({"form"})
_WRITER, _TIME = frozenset({"writer"}), frozenset({"time"})
_WRITER_AND_TIME = _WRITER | _TIME
EXCERPT_CHARS = 200  # what is kept of a line dropped as repetitive, to show in `clean --explain`


def compression_ratio(text: str) -> float:
    """How many times smaller ``text`` (its white space folded) gets under zlib: about 2 to 3
    for prose in any language, above 100 for one phrase (or "a.a.a…") repeated at length."""
    data = " ".join(text.split()).encode("utf-8")
    return len(data) / len(zlib.compress(data, 1)) if data else 0.0


def _excerpt(text: str) -> str:
    return f"{text[:EXCERPT_CHARS]} … ({len(text):,} characters)" if len(text) > EXCERPT_CHARS else text


def _length(text: str) -> int:
    """Words, counting two CJK characters as one word (those scripts do not separate words)."""
    if text.isascii():
        return word_count(text)
    cjk = len(_CJK.findall(text))
    return word_count(text) + cjk // 2 if cjk else word_count(text)


def _teaser_end(text: str) -> bool:
    """Ends with an ellipsis: "…", "...", "[…]", "(...)"."""
    return text.rstrip().endswith(_TEASER_ENDS) and _TEASER_END.search(text) is not None


def _bracketed_end(text: str) -> bool:
    """Ends with an ellipsis in brackets, "[…]" or "(...)": an excerpt's mark, never a sentence trailing off."""
    return text.rstrip().endswith(("]", ")")) and _BRACKETED_END.search(text) is not None


@dataclass
class _Line:
    text: str
    words: int
    key: str
    match: LexiconMatch | None
    verdict: str | None = None  # None: not decided yet; "body" at the end when kept
    teaser: bool = False  # long enough to end a page's own teaser, and ends like one
    in_teaser: bool = False  # a paragraph above a teaser's end that ends in "…" itself (not a blurb)
    alone: bool = False  # a block of its own: a blank line (or the page's edge) above and below it
    meta: list[tuple[str, str]] = field(default_factory=list)  # what this line says as metadata
    _tokens: list[str] | None = None  # its words, lower case, once read (``tokens``)

    def tokens(self) -> list[str]:
        """The line's words in lower case (read once: every language's run reads them)."""
        if self._tokens is None:
            self._tokens = words(self.text.lower())
        return self._tokens


def _content_stems(text: str, stops: frozenset[str]) -> set[str]:
    """Five-letter stems of the words that carry content (not stop words, not short)."""
    return {w[:5] for w in words(text.lower()) if len(w) >= 4 and w not in stops and not w.isdigit()}


def _opening_below(lines: list[_Line], undecided: list[int], i: int, n_words: int) -> str:
    """The first ``n_words`` words (as white space splits them) of the lines numbered in
    ``undecided`` (in order) below line ``i``."""
    taken, count = [], 0
    for j in undecided[bisect.bisect_right(undecided, i):]:
        taken.append(lines[j].text)
        count += lines[j].text.count(" ") + 1  # (a line's white space is folded: one space between words)
        if count >= n_words:
            break
    return " ".join(" ".join(taken).split(" ", n_words)[:n_words])


class CleanStage(Stage):
    """Decides, for each line of a page, whether it is article text, metadata or noise.

    Keeps: the title and the body paragraphs, subheads included. On a text page
    the article is the contiguous run of lines with the best score: paragraph-
    shaped lines (long, rich in the language's stop words) count for it, short
    menu-like lines and boilerplate count against it; the title is the headline-
    shaped line just above that run. Where the page's furniture is in another
    language than its story, the story's paragraphs get a run scored in their own
    language. A page that carries only a story's teaser (its opening paragraphs,
    the last cut off with "…" or followed by "Read more") keeps the teaser: its
    cut-off line counts as prose, where the short blurbs of a list of other
    stories count against, and the headline right above it is its title. On HTML,
    trafilatura already chose the main content and the HTML title is used.

    Takes out as metadata (``meta_lines``, parsed by the metadata stage), from
    the article and the lines just around it: bylines and author boxes, date
    lines, agency credits ("(dpa)", "sba/loc/news.de/dpa", "Quelle: …").

    Drops, with a reason per line: lines outside the article (menus, related
    lists, footers); lines the source repeats on many pages (the recurring
    stage marks them); boilerplate phrases from the per-language lexicon
    (comments, ads, related lists, read-also, newsletter, share, cookie,
    copyright, image credits); everything below a comments header once most of
    the article is above it; CMS shortcodes; bare counters; share lines naming
    social platforms; teasers and captions repeated in full nearby; the title
    repeated.

    Drops first, before any other work, long lines that are mostly repetition (at least
    ``NEWSDEDUP_REPETITION_MIN_CHARS`` characters that compress more than
    ``NEWSDEDUP_REPETITION_MAX_RATIO``-fold: "a.a.a…", one phrase over and over), as
    ``repetitive``.

    Fails: ``repetitive``, when the article text left is itself mostly repetition, or when
    too little is left and most of the page was dropped as repetitive; ``no-text``, when fewer
    than ``NEWSDEDUP_MIN_TEXT_WORDS`` words remain otherwise; ``too-complex``, after
    ``NEWSDEDUP_DOCUMENT_SECONDS``.
    """

    name = "clean"
    parallel = True
    budgeted = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.opts = ctx.config.clean
        self.lexicon = Lexicon.load(self.opts.lexicon_languages, self.opts.lexicon_max_words)
        # the stop words of the lexicon's languages: a story or a teaser may be in another
        # language than the one guessed for the page
        self.other_stops = [(lang, stops) for lang in self.opts.lexicon_languages if (stops := stopwords(lang))]
        self.dates = DateFinder(self.lexicon)
        self.names = NameParser(self.lexicon)
        self.agencies = set(self.lexicon.name_list("agencies"))
        self.platforms = set(self.lexicon.name_list("platforms"))
        self.platform_re = re.compile(rf"\b(?:{alternatives(self.lexicon.name_list('platforms'))})\b")
        self.weekdays = set(self.lexicon.name_list("weekdays"))
        self.byline_connector = re.compile(r"\s(?:" + alternatives(self.lexicon.name_list("byline_connectors")) + r")\s")
        self.newsroom = re.compile(r"^[\w .&'-]{2,40}\s(?:" + alternatives(self.lexicon.name_list("newsroom"))
                                   + r")$", re.IGNORECASE)
        before = alternatives(self.lexicon.name_list("time_ago_before"))
        after = alternatives(self.lexicon.name_list("time_ago_after"))
        self.comment_verb = re.compile(rf"(?<!\S)(?:{alternatives(self.lexicon.name_list('comment_verbs'))})"
                                       r"(?:\s*+(?::|,|…|\.\.\.))?\s*$", re.IGNORECASE)
        # a comment's stamp with no year: a month's name, a day and a clock ("On Thursday, November 1 at
        # 2:57 pm", "on Monday July 23, @08:25PM", "1. November um 14:50", "1 novembre à 14h50"); a mark
        # only, never the page's date
        months = alternatives(self.lexicon.name_list("months"))
        clock = r",?\s*+(?:(?:at|um|à|a las|alle|@|-)\s*+)?\d{1,2}[:.h]\d{2}(?!\d)"
        self.yearless_stamp = re.compile(rf"(?<![^\W\d_])(?:{months})\.?\s++\d{{1,2}}(?:st|nd|rd|th)?(?!\d){clock}"
                                         rf"|(?<![\d.])\d{{1,2}}\.?\s++(?:de\s+)?(?:{months})\.?(?![^\W\d_]){clock}",
                                         re.IGNORECASE)
        self.time_ago = re.compile(rf"^\W*(?:(?:{before})\s+\d+\s+\w+|\d+\s*\w{{1,8}}\s+(?:{after}))\W*$", re.IGNORECASE)

    def process(self, doc: Document) -> Document:
        lines, repetitive_chars = self._lines(doc.lines)
        for ln in lines:
            if ln.verdict is None:
                ln.match = self.lexicon.match(ln.text, ln.words)
        self._classify(lines, doc.recurring, dom=bool(doc.html_meta))
        self._mark_teaser_ends(lines)
        cut = self._cut_tail(lines)
        if doc.html_meta:  # trafilatura chose the main content from the DOM
            title = clean_line(doc.html_meta.get("title") or "")
            start, end = 0, cut
        else:
            doc.language = self._language(lines[:cut])
            stops = stopwords(doc.language)
            score, start, end = self._main_region(lines[:cut], stops)
            # The guess follows the page's prose, furniture included: a German story on an English
            # site's page. Paragraphs rich in another lexicon language's stop words get a run of
            # their own, scored in that language; it wins, with its language, when it scores
            # NEWSDEDUP_OTHER_LANGUAGE_MARGIN times the guessed language's best run (a teaser,
            # which says where the page's story is, only needs to outscore it).
            others = self._other_languages(lines[:cut], stops)
            for language in others:
                other = self._main_region(lines[:cut], stopwords(language))
                margin = 1.0 if lines[other[2] - 1].teaser else self.opts.other_language_margin
                if other[0] > score * margin:
                    (score, start, end), stops, doc.language = other, stopwords(language), language
            if others:  # (a teaser scores as prose in any language: the run may be in another)
                doc.language = self._run_language(lines[start:end], doc.language)
                stops = stopwords(doc.language)
            title, start = self._find_title(lines, start, end, stops)
            end = self._trim_comments(lines, start, end)
            self._mark_outside(lines, start, end)
        self._scan_body(lines, title, start, end)
        # On HTML the DOM already told captions apart; lines repeated there are meant.
        self._drop_repeats(lines, exact=not doc.html_meta)
        meta = [m for ln in lines if not (ln.verdict or "").startswith("outside") for m in ln.meta]
        self._drop_author_lines(lines, meta)
        body = self._finish_body(lines, meta, drop_links=not doc.html_meta)

        doc.title = title
        doc.body = body
        doc.meta_lines = meta
        doc.verdicts = [LineVerdict(ln.text, ln.verdict in ("body", "title"), ln.verdict or "body")
                        for ln in lines]
        for verdict, n in Counter(ln.verdict for ln in lines).items():
            self.count(f"lines/{verdict}", n)
        self._refuse_repetition(body, repetitive_chars, sum(map(len, doc.lines)))
        if sum(ln.words for ln in lines if ln.verdict == "body") < self.opts.min_text_words:
            self.fail("no-text", f"fewer than {self.opts.min_text_words} words of article text "
                                 "are left after cleaning")
        return doc

    def _lines(self, texts: list[str]) -> tuple[list[_Line], int]:
        """The page's non-empty lines, white space folded; and the characters of those dropped
        as repetitive, which are only measured (compressed), never split into words."""
        opts = self.opts
        lines: list[_Line] = []
        repetitive_chars = 0
        gap = True  # a blank line (or the page's start) right above the next line
        opened: _Line | None = None  # the line just kept, if a blank line stood above it
        for raw in texts:
            if len(raw) >= opts.repetition_min_chars and compression_ratio(raw) > opts.repetition_max_ratio:
                lines.append(_Line(_excerpt(raw), 0, "", None, verdict="repetitive"))
                repetitive_chars += len(raw)
                gap, opened = False, None
                continue
            text = clean_line(raw)
            if not text:
                if opened is not None:
                    opened.alone = True
                gap, opened = True, None
                continue
            ln = _Line(text, _length(text), letters_key(text), None)
            lines.append(ln)
            opened, gap = (ln if gap else None), False
        if opened is not None:
            opened.alone = True
        return lines, repetitive_chars

    def _refuse_repetition(self, body: list[str], repetitive_chars: int, total_chars: int) -> None:
        """Fail a page whose article text is mostly repetition, or that was mostly repetitive
        lines and has too little else."""
        opts = self.opts
        text = "\n".join(body)
        if len(text) >= opts.repetition_min_chars:
            ratio = compression_ratio(text)
            if ratio > opts.repetition_max_ratio:
                self.fail("repetitive", f"its article text is mostly repetition: {len(text):,} characters that "
                                        f"compress {ratio:.0f}-fold, more than {opts.repetition_max_ratio:g} "
                                        "(NEWSDEDUP_REPETITION_MAX_RATIO)")
        if repetitive_chars > total_chars / 2 and sum(map(word_count, body)) < opts.min_text_words:
            self.fail("repetitive", f"its text is mostly repetition: {repetitive_chars:,} of its {total_chars:,} "
                                    "characters are in lines of one thing repeated, and fewer than "
                                    f"{opts.min_text_words} words of article text are left")

    def _language(self, lines: list[_Line]) -> str | None:
        """The page's language, from its prose-shaped lines (all its undecided lines if none)."""
        prose = [ln.text for ln in lines if ln.verdict is None and ln.words >= self.opts.paragraph_min_words]
        sample = " ".join(prose or [ln.text for ln in lines if ln.verdict is None])[: self.opts.language_sample_chars]
        return py3langid.classify(sample)[0] if sample.strip() else None

    # --- pass 1: what each line is on its own -----------------------------------
    def _classify(self, lines: list[_Line], recurring: set[str], dom: bool) -> None:
        """Verdicts a line earns on its own. With ``dom`` (HTML), shape-only rules that the DOM
        already settled (bare numbers, lines naming social networks) are left out."""
        awaiting: str | None = None  # a label line announces the next short line
        for ln in lines:
            if ln.verdict is not None:  # decided before (repetitive)
                awaiting = None
                continue
            if awaiting and ln.words <= self.opts.short_line_max_words:
                kind, awaiting = awaiting, None
                if kind == "author" and self.names.split(ln.text):
                    ln.meta.append(("author", ln.text))
                    ln.verdict = "meta:author"
                    continue
                if kind == "credit":
                    ln.meta.append(("credit", ln.text))
                    ln.verdict = "meta:credit"
                    continue
            awaiting = None
            m = ln.match
            if _SHORTCODE.match(ln.text):
                ln.verdict = "shortcode"
            elif m is not None and m.action == "meta":
                ln.verdict, awaiting = self._meta_line(ln, m)
            elif self._is_date_line(ln):
                ln.verdict = "meta:date"
            elif not ln.key and not dom:
                ln.verdict = "counter"
            elif "@" in ln.text and ln.words <= 2 * self.opts.short_line_max_words and _EMAIL.search(ln.text):
                ln.verdict = "contact"  # "Write to Al Root at al.root@example.com"
            elif self._is_credit_line(ln.text):
                ln.meta.append(("credit", ln.text.strip("()")))
                ln.verdict = "meta:credit"
            elif m is not None:
                ln.verdict = m.category
            elif ln.key in recurring:
                ln.verdict = "recurring"  # the source prints this line on many pages
            elif not dom and self._is_share_line(ln):
                ln.verdict = "share"

    def _meta_line(self, ln: _Line, m: LexiconMatch) -> tuple[str | None, str | None]:
        """(verdict, what the next line is) for a line the lexicon marks as metadata."""
        if m.category == "byline":
            parsed = self._parse_byline(m.rest)
            if parsed is None:
                return None, None  # "Von Berlin aus …" is not a byline
            ln.meta.extend(parsed)
            return "meta:author", None
        if m.category == "author_label":
            return ("meta:author", "author") if not m.rest else (None, None)
        if m.category == "source_label":
            if m.rest:
                ln.meta.append(("credit", m.rest))
                return "meta:credit", None
            return "meta:credit", "credit"
        if m.category == "date_label":
            return "meta:date", None
        return None, None

    def _parse_byline(self, text: str) -> list[tuple[str, str]] | None:
        """The metadata in what follows "By": names, then maybe an outlet, a date, a contact.

        "Sandee LaMotte, CNN" -> author and credit; "Matthew Digby, Minh Do on Monday,
        November 18th, 2019" -> authors and date; None when it is not a list of names.
        """
        meta: list[tuple[str, str]] = []
        found = self.dates.find(text)
        if found is not None:
            meta.append(("date", text[found.start:found.end]))
            text = text[:found.start]
        text = _EMAIL.split(text, maxsplit=1)[0]
        text = self.byline_connector.split(_BYLINE_END.split(text, maxsplit=1)[0], maxsplit=1)[0]
        names = []
        for part in (p.strip(" ,;") for p in text.split(",")):
            if not part:
                continue
            if self._is_credit_line(part) or (part.isupper() and len(part) <= 6):
                meta.append(("credit", part))
            else:
                names.append(part)
        joined = ", ".join(names)
        if not names or not (self.names.split(joined) or self.newsroom.match(joined)):
            return None
        return [("author", joined), *meta]

    def _is_date_line(self, ln: _Line) -> bool:
        """A short line that is a date, with at most labels, an outlet's name or a byline beside it."""
        if ln.words > self.opts.lexicon_max_words // 2:
            return False
        found = self.dates.find(ln.text)
        if found is None:
            return False
        rest = ln.text
        while found is not None:
            rest = rest[:found.start] + " | " + rest[found.end:]
            found = self.dates.find(rest)
        meta: list[tuple[str, str]] = [("date", ln.text)]
        outlet = []
        for part in (p.strip() for p in _DATE_REST_SPLIT.split(_CLOCK.sub(" ", rest))):
            m = self.lexicon.match(part) if part else None
            if not part or (m is not None and m.category == "date_label" and not m.rest):
                continue
            if m is not None and m.category == "byline":
                parsed = self._parse_byline(m.rest)
                if parsed is None:
                    return False
                meta.extend(parsed)
                continue
            if (ends_sentence(part) and not part.endswith(".")) or any(w[0].islower() for w in part.split()):
                return False
            outlet.append(part)
        rest = " ".join(outlet)
        if word_count(rest) > self.opts.short_line_max_words // 2 + 1:
            return False
        ln.meta.extend(meta)
        if rest and rest[0].isupper() and fold(rest).rstrip(".") not in self.weekdays:
            ln.meta.append(("outlet", rest))
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
        if low in self.platforms:
            return True  # a share button: "Facebook", "WhatsApp"
        return len(set(self.platform_re.findall(low))) >= 2

    def _mark_teaser_ends(self, lines: list[_Line]) -> None:
        """Mark the lines that end a page's own teaser (a story's opening paragraphs, the last cut
        off, that goes on elsewhere): a paragraph-long line followed by "Read more",
        "Weiterlesen", "Lire la suite" (the lexicon's ``teaser_more``), or a line of at least
        ``NEWSDEDUP_TEASER_MIN_WORDS`` words ending in "…" or "[…]" that no paragraph follows.
        Shorter lines ending so are the blurbs of a list of other stories, except right below a
        paragraph of prose (the teaser's second paragraph, cut short). A paragraph after an
        ellipsis means the story goes on here, unless it is in another language (the page's
        furniture around a German teaser on an English site), a headline of paragraph length
        (a link to another story), or the ellipsis is in brackets ("[…]": an excerpt's mark). A
        paragraph ending in "…" right above a teaser's end is the teaser's too (``in_teaser``:
        not scored as a blurb)."""
        opts = self.opts
        for i in range(len(lines) - 1, -1, -1):  # (from the end: whether the next line ends a teaser is known)
            ln = lines[i]
            if ln.verdict is not None:
                continue
            after = lines[i + 1] if i + 1 < len(lines) else None
            before = lines[i - 1] if i else None
            # a shorter line ending in "…" right below a paragraph of prose may be the teaser's second
            # paragraph, cut short; that paragraph may trail off in "…" itself if it is a teaser's length
            second = (ln.words > opts.short_line_max_words and before is not None and before.verdict is None
                      and before.words >= opts.paragraph_min_words and ends_sentence(before.text)
                      and (not _teaser_end(before.text) or before.words >= opts.teaser_min_words))
            if after is not None and after.match is not None and after.match.category == "teaser_more":
                ln.teaser = ln.words >= opts.paragraph_min_words  # (shorter: a headline, "Read more" its link)
            elif _teaser_end(ln.text) and (ln.words >= opts.teaser_min_words or second) and not (
                    after is not None and after.teaser):  # (the line below is the teaser's second paragraph)
                ln.teaser = (after is None or after.verdict is not None or after.words < opts.paragraph_min_words
                             or (self._headline(after) and not after.teaser) or not self._same_language(ln, after)
                             or _bracketed_end(ln.text))
        for i, ln in enumerate(lines):  # "… glad to see it out…" above the teaser's cut-off paragraph
            if ln.teaser and i and (above := lines[i - 1]).verdict is None and not above.teaser \
                    and above.words >= opts.paragraph_min_words and _teaser_end(above.text) \
                    and self._same_language(above, ln):
                above.in_teaser = True

    # --- pass 2: comments and related stories below the article -----------------
    def _cut_tail(self, lines: list[_Line]) -> int:
        """Drop everything below a comments header that has most of the article above it, or
        comments' marks below it (``NEWSDEDUP_COMMENT_MIN_MARKS`` date stamps, "3 hours ago",
        "Reply", "Sarah says:" lines: ``_comment_mark``, in a chain: ``_marked_below``; comments,
        where a story's date line would be followed by the story; the comments, however long,
        are a block), or below a "Related"/"Most read" header (a blog post's "Next post") that has
        nearly all of it above, or a story above it and comments' marks below it. A count of
        comments is a header too ("16 Comments", "2 thoughts on “…”": the lexicon's
        ``_count_header``)."""
        opts = self.opts
        paragraphs = [(i, ln.words) for i, ln in enumerate(lines)
                      if ln.verdict is None and self._is_paragraph(ln)]
        total = sum(w for _, w in paragraphs)
        marks: list[int] | None = None  # (read only where a header needs them: dates are costly)
        names: list[int] | None = None  # ...with writers' names over prose
        for i, ln in enumerate(lines):
            m = ln.match
            if m is None or not self._boundary(ln):
                continue
            share = opts.cut_min_share if m.action == "cut" else opts.box_cut_min_share
            above = [w for j, w in paragraphs if j < i]
            if len(above) < opts.cut_after_paragraphs:
                continue
            marked = False
            story_above = sum(above) >= opts.comment_max_words
            if (m.action == "cut" or story_above) and sum(above) < share * total:
                if marks is None:
                    marks = [j for j in range(i + 1, len(lines)) if self._comment_mark(lines[j])]
                if story_above and names is None:  # (a writer's name marks comments below a story only)
                    names = sorted({*marks, *(j for j in range(i + 1, len(lines)) if self._writer_over_prose(lines, j))})
                marked = self._marked_below(lines, i, names if story_above else marks, story_above=story_above,
                                            restart=story_above and m.action == "cut")
            if marked or sum(above) >= share * total:
                for rest in lines[i + 1:]:
                    rest.verdict = f"after-{m.category}"
                return i
        return len(lines)

    def _marked_below(self, lines: list[_Line], header: int, marks: list[int], story_above: bool,
                      restart: bool = False) -> bool:
        """Whether comments' marks follow the header at ``header``: a chain of
        ``NEWSDEDUP_COMMENT_MIN_MARKS`` marks, each at most ``NEWSDEDUP_COMMENT_MAX_WORDS`` words
        below the one before (one long comment breaks a chain, the next may start it again),
        that starts within ``NEWSDEDUP_COMMENT_MARK_WINDOW`` lines of the header; with a story
        above the header (``story_above``: as many words of paragraphs as a chain's gap), also
        within ``NEWSDEDUP_COMMENT_MAX_WORDS`` words of it (a first comment's mark may stand at
        its end). With ``restart`` (a comments header with a story above it), once the first mark
        stands there, a broken chain may start again anywhere below: one comment may run longer
        than a chain's gap. Not below a "Related" box: inside an article, its headlines' authors
        would start a chain that the comments far below it complete. A count of comments printed
        under a headline has no story above it: what follows it up to the first mark may be the
        story itself."""
        opts = self.opts
        needed = max(1, opts.comment_min_marks)
        chain, last, started = 0, header, False
        for j in (j for j in marks if j > header):
            if chain and sum(x.words for x in lines[last + 1:j]) > opts.comment_max_words:
                chain = 0
            if chain == 0 and not (restart and started) and j - header > opts.comment_mark_window and not (
                    story_above and sum(x.words for x in lines[header + 1:j]) <= opts.comment_max_words):
                return False  # (a chain starts right below the header)
            chain, last, started = chain + 1, j, True
            if chain >= needed:
                return True
        return False

    def _comment_mark(self, ln: _Line) -> bool:
        """A line that marks a reader's comment (any of ``_mark_kinds``)."""
        return bool(self._mark_kinds(ln))

    def _mark_kinds(self, ln: _Line) -> frozenset[str]:
        """What marks a line as a reader's comment's: ``furniture``, "Reply" or "Antworten" (the
        lexicon's comments lines); ``form``, the comment form below them ("Leave a Comment",
        "Your comment is awaiting moderation"); ``writer``, a short line that names the writer ("Sarah
        says:", "Anna schreibt:", the lexicon's comment verbs, with no sentence's end: not "…, he
        said."); ``time``, "3 hours ago" or a short line stamped with a date ("by james on
        January 31, 2011 at 9:59 am. Reply #", "Posted by: Netbacker | September 26, 2012 at
        03:49 PM", "Posted 10/18/2012 at 2:57 pm", "11.06.12 at 11:06 am", "Lora On Thursday,
        November 1 at 2:57 pm": a month and a clock, no year), whatever else it was taken for.
        None: an empty set."""
        if ln.match is not None and ln.match.category in ("comments", "comment_form"):
            return _FURNITURE if ln.match.category == "comments" else _FORM
        if ln.words > self.opts.comment_mark_max_words or ln.verdict == "repetitive":
            return _NO_MARK
        writer = self.comment_verb.search(ln.text) is not None
        if self.time_ago.search(ln.text) or (ln.verdict or "").startswith("meta:date") or (
                self.dates.find(ln.text) is not None):
            return _WRITER_AND_TIME if writer else _TIME
        stamp = _NUMERIC_STAMP.search(ln.text)  # "10/18/2012"; "11.06.12" only with a clock
        if (stamp is not None and (stamp.group(1) == "/" or _CLOCK.search(ln.text) is not None)) or (
                self.yearless_stamp.search(ln.text) is not None):
            return _WRITER_AND_TIME if writer else _TIME
        return _WRITER if writer else _NO_MARK

    def _writer_over_prose(self, lines: list[_Line], i: int) -> bool:
        """A writer's name or handle on a line of its own above a comment's prose ("Amy D.",
        "lineholder", "http://twitter.com/jyarmis Jonathan L. Yarmis"): at most
        ``NEWSDEDUP_COMMENT_NAME_MAX_WORDS`` words after a leading link, no stop word of any
        lexicon language, no sentence's end, a longer line below. (Read below a comments header
        only: a subhead over its paragraph looks the same.)"""
        ln = lines[i]
        if ln.verdict is not None or i + 1 >= len(lines) or ends_sentence(ln.text):
            return False
        below = lines[i + 1]
        if below.verdict is not None or below.words <= self.opts.short_line_max_words:
            return False
        name = _LEADING_LINK.sub("", ln.text)
        if ":" in name:
            return False  # a label ("Fazit:"), not a name
        toks = words(name.lower())
        return 1 <= len(toks) <= self.opts.comment_name_max_words and not any(
            t in stops for _, stops in self.other_stops for t in toks)

    def _trim_comments(self, lines: list[_Line], start: int, end: int) -> int:
        """Where the article's run [start, end) ends when readers' comments with no header
        follow the story in it: at a chain of ``NEWSDEDUP_COMMENT_MIN_MARKS`` marks, each at
        most ``NEWSDEDUP_COMMENT_MAX_WORDS`` words below the one before, of two kinds at least
        (a date stamp and "Reply", or "Rosa said:"; a timeline or a live blog has dates only),
        with a story above it (``NEWSDEDUP_CUT_AFTER_PARAGRAPHS`` paragraphs and as many words
        as a chain's gap). The comment form is no mark here: it follows stories no one commented
        on. A comments header in the chain starts it again: the comments start there, not at an
        embedded tweet's date above it. The writer's name right above the first mark goes with
        the comments. The lines below are dropped as ``after-comments``, their dates with them (a
        comment's date is not the story's)."""
        opts = self.opts
        needed = max(2, opts.comment_min_marks)
        paragraphs = story_words = 0  # of the story above the chain
        chain: list[int] = []
        kinds: set[str] = set()
        gap = 0  # words since the chain's last mark
        for k in range(start, end):
            ln = lines[k]
            found = self._mark_kinds(ln)
            if found == _FORM:
                found = _NO_MARK
            if chain and found and self._boundary(ln):  # a comments header: they start here
                paragraphs += sum(self._is_paragraph(x) for x in lines[chain[0]:k] if x.verdict is None)
                story_words += sum(x.words for x in lines[chain[0]:k] if x.verdict is None and self._is_paragraph(x))
                chain, kinds, gap = [], set(), 0
            if not found:
                if chain:
                    gap += ln.words
                    if gap > opts.comment_max_words:  # (a broken chain was the story's)
                        paragraphs += sum(self._is_paragraph(x) for x in lines[chain[0]:k + 1] if x.verdict is None)
                        story_words += sum(x.words for x in lines[chain[0]:k + 1]
                                           if x.verdict is None and self._is_paragraph(x))
                        chain, kinds, gap = [], set(), 0
                elif ln.verdict is None and self._is_paragraph(ln):
                    paragraphs, story_words = paragraphs + 1, story_words + ln.words
                continue
            if not chain and (paragraphs < opts.cut_after_paragraphs or story_words < opts.comment_max_words):
                continue  # (no story above yet)
            chain.append(k)
            kinds |= found
            gap = 0
            if len(chain) >= needed and len(kinds) >= 2:
                cut = chain[0]
                above = lines[cut - 1]
                if cut - 1 > start and above.verdict is None and above.words <= opts.short_line_max_words \
                        and not ends_sentence(above.text):
                    cut -= 1  # the writer's name
                for ln in lines[cut:end]:
                    if ln.verdict is None or ln.verdict.startswith("meta"):
                        ln.verdict = "after-comments"
                    ln.meta.clear()
                return cut
        return end

    # --- pass 3: where the article is (text pages) ------------------------------
    def _other_languages(self, lines: list[_Line], stops: frozenset[str]) -> list[str]:
        """The lexicon languages other than the page's in whose stop words some undecided
        paragraph-length line is rich, where it is not rich in the page's."""
        found: list[str] = []
        for ln in lines:
            if ln.verdict is not None or ln.words < self.opts.paragraph_min_words:
                continue
            toks = ln.tokens()
            if stops and self._rich(toks, stops):
                continue
            found += [lang for lang, other in self.other_stops
                      if lang not in found and other is not stops and self._rich(toks, other)]
        return found

    def _main_region(self, lines: list[_Line], stops: frozenset[str]) -> tuple[float, int, int]:
        """The score and [start, end) of the best-scoring run of lines (maximum subarray). A
        teaser's end, at most ``NEWSDEDUP_TEASER_MAX_PARAGRAPHS`` paragraphs into its run (a
        headline-shaped line is none), ends the run: what follows is the page around it
        ("Continue reading" deeper in a run is a break in the article, which goes on)."""
        opts = self.opts
        best, best_span = 0.0, (0, len(lines))
        run, run_start, paragraphs = 0.0, 0, 0
        # A run that starts below a comments header with prose above it counts
        # NEWSDEDUP_AFTER_COMMENTS_WEIGHT of its score (what follows "Comments" there is most
        # likely comments). ``prose_above`` is None once such a header was passed.
        run_weight, prose_above = 1.0, False
        for i, ln in enumerate(lines):
            if prose_above and ln.match is not None and ln.match.action == "cut" and ln.verdict == ln.match.category:
                prose_above = None
            elif prose_above is False:
                prose_above = (ln.verdict is None and ln.words >= opts.paragraph_min_words
                               and (ln.teaser or ends_sentence(ln.text)))
            run += self._line_score(ln, stops)
            paragraphs += ln.verdict is None and ln.words >= opts.paragraph_min_words and not self._headline(ln)
            teaser_end = ln.teaser and paragraphs <= opts.teaser_max_paragraphs
            # A teaser that says it goes on elsewhere is what the page is about: it outweighs
            # prose of the page around it (comment rules, author notes) of up to TEASER_WEIGHT its length.
            score = run * run_weight * (opts.teaser_weight if teaser_end else 1.0)
            if score > best:
                best, best_span = score, (run_start, i + 1)
            if run <= 0 or teaser_end:
                run, run_start, paragraphs = 0.0, i + 1, 0
                run_weight = opts.after_comments_weight if prose_above is None else 1.0
        return (best, *best_span)

    def _line_score(self, ln: _Line, stops: frozenset[str]) -> float:
        """How much a line speaks for being inside the article (positive) or outside it."""
        opts = self.opts
        if ln.verdict is not None:
            if ln.verdict.startswith("meta"):
                return 0.0
            if ln.match is not None and ln.match.action in ("box", "cut"):
                return -opts.boundary_line_penalty  # "Related", "Comments": the article usually ends here
            return -opts.noise_line_penalty
        if ln.words <= opts.menu_line_max_words or len(_SEPARATORS.findall(ln.text)) >= 3:
            return -opts.short_line_penalty  # menu items, breadcrumbs, "Home | About | Contact"
        if not (ln.teaser or ln.in_teaser) and (_teaser_end(ln.text) or self.time_ago.search(ln.text)):
            return -opts.short_line_penalty  # a cut-off blurb or "3 hours ago": a list of other stories
        rich = True
        if stops:
            toks = ln.tokens()
            # The page's own teaser may be in another language than its furniture, from which
            # the page's language was guessed (a German story inside an English site's page).
            rich = self._rich(toks, stops) or (
                ln.teaser and any(self._rich(toks, other) for _, other in self.other_stops if other is not stops))
        if ln.teaser and rich:
            return float(ln.words)  # the end of the page's own teaser: prose, cut off
        sentence = ends_sentence(ln.text)
        if ln.words >= opts.paragraph_min_words:
            if rich and sentence:
                return float(ln.words)  # prose
            return ln.words * opts.unfinished_line_weight  # a headline link, a table row, a list item
        if rich and sentence:
            return ln.words / 2
        return 0.0 if rich else -0.5  # a subhead or list item; or a headline link elsewhere

    def _same_language(self, a: _Line, b: _Line) -> bool:
        """True unless each line is rich in the stop words of some lexicon language and the two
        lines share none of those languages."""
        langs_a, langs_b = self._rich_languages(a), self._rich_languages(b)
        return not (langs_a and langs_b) or bool(langs_a & langs_b)

    def _run_language(self, run: list[_Line], language: str | None) -> str | None:
        """The lexicon language in whose stop words the most words of the run's paragraphs are
        rich; ``language`` (a lexicon language or not) where as many are rich in its own."""
        own = stopwords(language)
        words = dict.fromkeys([lang for lang, _ in self.other_stops], 0)
        kept = 0
        for ln in run:
            if ln.verdict is None and ln.words >= self.opts.paragraph_min_words:
                for lang in self._rich_languages(ln):
                    words[lang] += ln.words
                kept += ln.words * (bool(own) and self._rich(ln.tokens(), own))
        best = max(words, key=words.__getitem__, default=None)
        return language if best is None or words[best] <= kept else best

    def _rich_languages(self, ln: _Line) -> set[str]:
        """The lexicon languages in whose stop words the line is rich."""
        return {lang for lang, stops in self.other_stops if self._rich(ln.tokens(), stops)}

    def _rich(self, toks: list[str], stops: frozenset[str]) -> bool:
        """Rich in ``stops``: at least ``NEWSDEDUP_MIN_STOPWORD_SHARE`` of the words, as prose is."""
        return bool(toks) and sum(map(stops.__contains__, toks)) / len(toks) >= self.opts.min_stopword_share

    def _find_title(self, lines: list[_Line], start: int, end: int, stops: frozenset[str]) -> tuple[str, int]:
        """The headline of the article, and where the article then starts.

        Candidates are headline-shaped lines just above the article, or at its
        very top (below a kicker or teaser of at most two paragraphs' length).
        The one sharing most words with the article's opening wins; nearer wins
        a tie. A headline inside the run moves the start of the article below it.
        In a run that ends with a teaser where none shares enough, the headline
        right above the teaser's paragraphs is the title; what the run took in
        above them is dropped where it is the page's (``_page_above_teaser``).
        """
        opts = self.opts
        # Copies of one story in one source share their headline: "recurring" does not rule it out.
        free = (None, "recurring")
        above = [i for i in range(start - 1, -1, -1) if lines[i].verdict in free][: opts.title_search_lines]
        inside, words_before = [], 0
        for i in range(start, end):  # a kicker or teaser of up to two paragraphs' length may stand above it
            if lines[i].verdict not in free:
                continue
            if words_before > 2 * opts.paragraph_min_words:
                break
            inside.append(i)
            words_before += lines[i].words
        undecided = [i for i in range(start, end) if lines[i].verdict is None]
        best: tuple[float, int] | None = None
        for rank, i in enumerate(sorted(above + inside, key=lambda j: abs(j - start))):
            ln = lines[i]
            if not self._title_shaped(ln):
                continue
            stems = _content_stems(ln.text, stops)
            after = _opening_below(lines, undecided, i, opts.title_context_words)
            overlap = len(stems & _content_stems(after, stops)) / len(stems) if stems else 0.0
            if overlap < (opts.title_inside_min_overlap if i >= start else opts.title_min_overlap):
                continue
            score = overlap - opts.title_distance_penalty * rank - (opts.title_inside_penalty if i >= start else 0)
            if best is None or score > best[0]:
                best = (score, i)
        top = self._teaser_top(lines, start, end)
        headline = None if top is None else self._teaser_headline(lines, top)
        # A teaser page shows a headline right above the teaser's paragraphs, whatever words they
        # share; what the run took in above it is the page, unless it is the article and the
        # teaser a blurb below it (``_page_above_teaser``).
        cut = top is not None and self._page_above_teaser(
            lines, start, top if headline is None else headline, stops, None if best is None else lines[best[1]])
        if best is None and headline is not None and cut:
            best = (0.0, headline)
        if best is None and (i := self._headline_block(lines, start, end)) is not None:
            best = (0.0, i)
        title = ""
        if best is not None:
            i = best[1]
            lines[i].verdict = "title"
            title = lines[i].text
            if i >= start:
                self._drop_above(lines, start, i)
                start = i + 1
        if cut and top > start:
            self._drop_above(lines, start, top)  # between the headline (if any) and the teaser, the page
            start = top
        return title, start

    @staticmethod
    def _past_meta(lines: list[_Line], j: int, step: int, stop: int) -> int:
        """From ``j``, stepping by ``step`` (1 or -1), the first line that is not a date, byline
        or credit line set aside as metadata; ``stop`` if none is before it."""
        while j != stop and (lines[j].verdict or "").startswith("meta"):
            j += step
        return j

    @staticmethod
    def _drop_above(lines: list[_Line], start: int, stop: int) -> None:
        for ln in lines[start:stop]:
            if ln.verdict is None:
                ln.verdict = "before-title"

    def _teaser_top(self, lines: list[_Line], start: int, end: int) -> int | None:
        """In a run that ends with a page's own teaser, where the teaser's paragraphs begin: a
        teaser page shows a headline over one or two paragraphs, and what the run took in above
        them is the page around it. None if the run holds no teaser's end, or holds
        ``NEWSDEDUP_TEASER_MAX_PARAGRAPHS`` paragraphs above it (a longer article that goes on
        elsewhere). A date or byline between the paragraphs is the teaser's."""
        opts = self.opts
        t = next((j for j in range(end - 1, start - 1, -1) if lines[j].teaser), None)
        if t is None or sum(ln.verdict is None and ln.words >= opts.paragraph_min_words and not self._headline(ln)
                            for ln in lines[start:t]) >= opts.teaser_max_paragraphs:
            return None
        paragraphs, top, j = 1, t, t - 1
        while j >= start and paragraphs < opts.teaser_max_paragraphs:
            ln = lines[j]
            if ln.verdict is None and (ln.in_teaser or ln.words >= opts.paragraph_min_words and ends_sentence(ln.text)):
                paragraphs += 1
                top = j
            elif not (ln.verdict or "").startswith("meta"):
                break
            j -= 1
        return top

    def _page_above_teaser(self, lines: list[_Line], start: int, top: int, stops: frozenset[str],
                           title: _Line | None) -> bool:
        """Whether the lines of a run above a teaser (its headline or its paragraphs, from ``top``)
        are the page around it, not an article with a blurb below: their prose (sentences in the
        teaser's language) is none; or no "Comments" or "Related" header stands below it, it holds
        fewer words than the teaser, and the ``title`` found above them (if any) is the
        teaser's (shares words with it) and not that prose's: a standfirst above a paywall's first
        paragraphs holds ``NEWSDEDUP_TEASER_LEAD_MIN_OVERLAP`` of its title's words."""
        if top < start:  # (a headline above the run)
            return True
        opts = self.opts
        t = next(j for j in range(top, len(lines)) if lines[j].teaser)
        at = [i for i in range(start, top) if (ln := lines[i]).verdict is None and ln.words >= opts.paragraph_min_words
              and (ends_sentence(ln.text) or _INNER_SENTENCE_END.search(ln.text) is not None)  # (not a tag list)
              and self._line_score(ln, stops) > 0 and self._same_language(ln, lines[t])]
        if not at:
            return True
        if any(map(self._boundary, lines[at[0]:top])):
            return False  # "Comments" or "Related" below the prose: the teaser is a comment's or a blurb's
        prose = [lines[i] for i in at]
        teaser = [ln for ln in lines[top:t + 1] if ln.verdict is None]
        if sum(ln.words for ln in prose) > sum(ln.words for ln in teaser):
            return False
        if title is None:
            return True
        stems = _content_stems(title.text, stops)

        def shared(text: str) -> float:  # the share of the title's content words that the text has
            return len(stems & _content_stems(text, stops)) / len(stems) if stems else 0.0

        return shared(" ".join(ln.text for ln in teaser)) >= opts.title_min_overlap and all(
            shared(ln.text) < opts.teaser_lead_min_overlap for ln in prose)

    @staticmethod
    def _boundary(ln: _Line) -> bool:
        """A header the article usually ends at: "Comments", "Related" (the lexicon's cut and box lines)."""
        return ln.match is not None and ln.match.action in ("cut", "box") and ln.verdict == ln.match.category

    def _teaser_headline(self, lines: list[_Line], top: int) -> int | None:
        """The headline of a teaser whose paragraphs begin at ``top``: the headline-shaped line
        right above them (a date or byline may stand between), whatever words they share; else
        the teaser's first paragraph, if it is shaped like a headline that asks or exclaims
        ("… wie geht es jetzt weiter?") and another paragraph follows it."""
        # (the headline may score too little to be in the run: it is looked for above it too)
        j = self._past_meta(lines, top - 1, -1, -1)
        if j >= 0 and lines[j].verdict in (None, "recurring") and self._headline_or_question(lines[j]):
            return j
        first = lines[top]
        if not first.teaser and self._headline_or_question(first) and not self._headline(first):
            return top
        return None

    def _headline_block(self, lines: list[_Line], start: int, end: int) -> int | None:
        """A headline by position and shape, whatever words it shares with the text: the page's
        first line, shaped like a headline (or asking or exclaiming), as a block of its own right
        above the article (a date or byline may stand between) or as its first line above a
        paragraph. Pasted pages in every language open so ("Schwere Unwetter über
        Süddeutschland", a blank line, the story); deeper in a page, such a line is as often a
        subhead, a byline or another story's headline."""
        if not lines or lines[0].verdict not in (None, "recurring") or not self._block_title(lines[0]):
            return None
        if start > 0:  # the run starts below it, with at most metadata between
            return 0 if self._past_meta(lines, start - 1, -1, -1) == 0 else None
        k = self._past_meta(lines, 1, 1, end)  # it is the run's first line: a paragraph must follow
        return 0 if lines[0].verdict is None and k < end and lines[k].verdict is None \
            and self._is_paragraph(lines[k]) else None

    def _block_title(self, ln: _Line) -> bool:
        return ln.alone and self._headline_or_question(ln) and _SEPARATORS.search(ln.text) is None

    def _headline_or_question(self, ln: _Line) -> bool:
        """A headline, or a title-shaped sentence that asks or exclaims ("Link up!")."""
        return self._headline(ln) or (self._title_shaped(ln) and ln.text.rstrip()[-1:] in "?!"
                                      and _INNER_SENTENCE_END.search(ln.text) is None)

    def _title_shaped(self, ln: _Line) -> bool:
        """``NEWSDEDUP_TITLE_MIN_WORDS`` to ``_MAX_WORDS`` words, not ending in "." "," ";" ":" or "…"."""
        return self.opts.title_min_words <= ln.words <= self.opts.title_max_words and not _NOT_A_TITLE_END.search(ln.text)

    def _headline(self, ln: _Line) -> bool:
        """Shaped like a headline, with no sentence's or clause's end at all (a headline of
        paragraph length is not a paragraph)."""
        return self._title_shaped(ln) and not ends_sentence(ln.text)

    def _mark_outside(self, lines: list[_Line], start: int, end: int) -> None:
        """Drop what lies outside the article; keep metadata lines close around it."""
        title_at = next((i for i, ln in enumerate(lines) if ln.verdict == "title"), start)
        header_from = max(0, min(title_at, start) - self.opts.title_search_lines)
        tail_to = end + self.opts.tail_meta_lines
        for i, ln in enumerate(lines):
            if start <= i < end or ln.verdict == "title":
                continue
            if ln.meta and header_from <= i < tail_to:
                continue  # a byline, date or credit next to the article
            if ln.verdict is None and ln.key == lines[title_at].key and title_at != start:
                ln.verdict = "title-repeat"
            elif ln.meta or ln.verdict is None:
                ln.verdict = "before-title" if i < title_at else "outside-article"

    # --- pass 4: related boxes, repeated title ----------------------------------
    def _scan_body(self, lines: list[_Line], title: str, start: int, end: int) -> None:
        """Within the article: the short link lines of a "Related" box, the title shown again,
        and a kicker (``_drop_kicker``)."""
        opts = self.opts
        title_key = letters_key(title)
        self._drop_kicker(lines, title_key, start, end)
        i = start
        while i < end:
            ln = lines[i]
            m = ln.match
            if m is not None and m.action == "box" and ln.verdict == m.category:
                j = i + 1
                while j < end and lines[j].verdict is None and lines[j].words < opts.paragraph_min_words:
                    lines[j].verdict = f"in-{m.category}"
                    j += 1
                i = j
                continue
            elif ln.verdict is None and title_key and ln.key == title_key:
                ln.verdict = "title-repeat"
            i += 1

    def _drop_kicker(self, lines: list[_Line], title_key: str, start: int, end: int) -> None:
        """The article's first line, if it is a kicker: at most ``NEWSDEDUP_MENU_LINE_MAX_WORDS``
        words with no sentence's end ("Stadtentwicklung", "Exclusive") right above the headline
        shown again (a byline or date may stand between). (Above a paragraph, such a line is as
        often a heading, a dateline or a byline that the text holds: measured on the HTML of AEB
        and trafilatura's corpus.)"""
        first = next((i for i in range(start, end) if lines[i].verdict is None), None)
        if first is None or not title_key or lines[first].key == title_key \
                or lines[first].words > self.opts.menu_line_max_words or ends_sentence(lines[first].text):
            return
        k = self._past_meta(lines, first + 1, 1, end)
        if k < end and lines[k].verdict is None and lines[k].key == title_key:
            lines[first].verdict = "kicker"

    def _is_paragraph(self, ln: _Line) -> bool:
        return ln.words >= self.opts.paragraph_min_words or (
            ln.words >= self.opts.short_line_max_words and ends_sentence(ln.text)
        )

    # --- pass 5: teasers and captions shown twice -----------------------------
    def _drop_repeats(self, lines: list[_Line], exact: bool = True) -> None:
        """Teasers and captions repeated in full nearby; with ``exact``, also lines shown twice."""
        # Lines in comment sections and link boxes may quote the article: not evidence.
        keys = sorted({ln.key for ln in lines
                       if ln.key and not (ln.verdict or "").startswith(("after-", "in-"))})
        last_seen: dict[str, int] = {}
        for i, ln in enumerate(lines):
            if ln.verdict is not None or ln.words < self.opts.min_repeat_words:
                continue
            if not exact and not _teaser_end(ln.text):
                continue  # on HTML, only explicit teasers ("…", "[…]") are checked
            stem = letters_key(_TEASER_END.sub("", ln.text)) if ln.text.rstrip().endswith(_TEASER_ENDS) else ln.key
            k = bisect.bisect_left(keys, stem)
            longer = [keys[j] for j in (k, k + 1) if j < len(keys) and keys[j] != stem]
            if any(other.startswith(stem + " ") for other in longer):
                ln.verdict = "repeat"  # a teaser or caption of a longer line
            elif exact and ln.key in last_seen and i - last_seen[ln.key] <= self.opts.repeat_window_lines:
                ln.verdict = "repeat"  # the same line again, close by
            last_seen[ln.key] = i

    # --- pass 6: author boxes -------------------------------------------------
    def _drop_author_lines(self, lines: list[_Line], meta: list[tuple[str, str]]) -> None:
        names = [letters_key(n) for kind, text in meta if kind == "author"
                 for n in self.names.split(text)]
        if not names:
            return
        for ln in lines:
            if ln.verdict is None and ln.words <= self.opts.short_line_max_words and any(
                n in ln.key for n in names
            ):
                ln.verdict = "author-box"

    # --- pass 7: inline credits, then the body ----------------------------------
    def _finish_body(self, lines: list[_Line], meta: list[tuple[str, str]], drop_links: bool) -> list[str]:
        body: list[str] = []
        for ln in lines:
            if ln.verdict is not None:
                continue
            text = ln.text
            trailing = _TRAILING_CREDIT.search(text) if text.rstrip().endswith(")") else None
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
            if ln.teaser:  # the mark that cuts a teaser off is not the story's text
                text = _TEASER_END.sub("", text).rstrip()
            if drop_links and _URL_OR_DOMAIN.match(text):  # a bare link line of a text page
                ln.verdict = "link"
                continue
            ln.verdict = "body"
            if text != ln.text:  # a credit or dateline was taken off
                ln.text, ln.words = text, _length(text)
            body.append(text)
        return body
