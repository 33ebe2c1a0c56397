"""Word alignment of a text with a story's canonical text: what a candidate is verified on.

Shingle overlap (:class:`pipeline.dedup.relations.Overlap`) breaks down under real editing: a
word changed every twenty words breaks a quarter of the 5-word shingles, and a teaser or a
trimmed copy shares few of the canonical's. An alignment does not: the two texts' words are
aligned in order (the longest common subsequence, rapidfuzz's ``LCSseq``), and what is matched
is counted in runs of at least ``NEWSDEDUP_ALIGN_RUN_WORDS`` words, so that common words
scattered through two different stories do not add up.

The alignment also says *what* differs. Copies of one story differ in a few ordinary words
(a synonym, a dropped "also", a dateline); stories cast from one template differ in their facts:
the same sentences with other numbers and other names. A place where the two texts put other
facts in the same frame (a number or a name replaced by another) is a *conflict*; facts that
stand in matched runs are *agreements*.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass, replace

import xxhash
from rapidfuzz.distance import LCSseq

from pipeline.text.normalize import WORD_PATTERN, ends_sentence
from settings.config import DedupOptions

_OPENS_SENTENCE = frozenset(".!?:;\"'„“”«»([\n")  # what stands before a sentence's first word


# a word with what stands before it (since the word before, or the line's start): a word opens a
# sentence where that, its spaces and tabs aside, ends in one of ``_OPENS_SENTENCE`` or is empty
# at the line's start
_SPACED_WORD = re.compile(r"(\W*)(" + WORD_PATTERN + ")")


WORD, NUMBER, NAME = 0, 1, 2  # what a word is, in :attr:`Tokens.kinds`


@dataclass(frozen=True)
class Tokens:
    """A text's words as ids (case-folded, hashed), which of them state a fact, and which stand
    in a paragraph of prose. Four bytes and two bytes a word: cheap to keep for the canonical
    texts a run compares with."""

    ids: array  # array("I")
    kinds: bytes  # WORD, NUMBER (has a digit) or NAME (capitalised, not opening a sentence)
    prose: bytes  # 1 where the word stands in a line of prose (long, ending like a sentence)

    @classmethod
    def of(cls, text: str, max_words: int, prose_min_words: int = 12) -> Tokens:
        """The first ``max_words`` words of ``text`` (NFKC; an alignment costs the product of the
        two lengths, so it is bounded). A line of ``prose_min_words`` words or more that ends
        like a sentence is prose; shorter lines, or lines that end otherwise, are headings,
        lists, menus or the page's noise that cleaning left."""
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        ids, kinds, prose = array("I"), bytearray(), bytearray()
        for line in text.split("\n"):
            room = max_words - len(ids)
            spaced = _SPACED_WORD.findall(line)  # (what stands before a word, the word)
            if not spaced:
                continue
            is_prose = len(spaced) >= prose_min_words and ends_sentence(line)
            del spaced[room:]
            found = [word for _, word in spaced]
            ids.extend([xxhash.xxh32_intdigest(word.casefold().encode("utf-8")) for word in found])
            prose += (b"\x01" if is_prose else b"\x00") * len(found)
            at = len(kinds)
            kinds += bytes(len(found))  # WORD, but for numbers and names:
            for i in [i for i, word in enumerate(found) if word[0].isupper()]:
                before = spaced[i][0].rstrip(" \t")
                if before[-1:] not in _OPENS_SENTENCE if before else i > 0:
                    kinds[at + i] = NAME
            for i in [i for i, word in enumerate(found) if not word.isalpha()]:
                if any(c.isdigit() for c in found[i]):
                    kinds[at + i] = NUMBER
            if len(ids) >= max_words:
                break
        return cls(ids, bytes(kinds), bytes(prose))

    def weight(self, start: int = 0, end: int | None = None, other: float = 1.0) -> float:
        """The words in [start, end): one for each word of prose, ``other`` for each other word."""
        n = (len(self.ids) if end is None else end) - start
        p = self.prose[start:end].count(1)
        return p + other * (n - p)

    def head(self, n: int) -> Tokens:
        """The first ``n`` words."""
        return Tokens(self.ids[:n], self.kinds[:n], self.prose[:n])

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Alignment:
    """How a text's words line up with a canonical text's."""

    text_words: int
    canonical_words: int
    matched: int  # words in runs of at least ``align_run_words`` found in both, in the same order
    text_rest: float  # the text's other words, weighted: prose 1, other lines ``align_other_weight``
    canonical_rest: float  # ...and the canonical's
    conflicts: int  # differences of a few words where the two state other facts (numbers, names)
    number_conflicts: int  # ...of which a number replaced by another number
    agreements: int  # facts (numbers, names) in the matched runs
    number_agreements: int  # ...of which numbers
    longest_extra: int  # the most words of prose in one passage of the text that the canonical lacks
    longest_missing: int  # ...and in one passage of the canonical that the text lacks
    canonical_start: int  # where in the canonical the first matched run starts (0: its opening)
    text_lead: float  # the text's words before its first matched run, weighted as the rests are

    # Each share counts what is left out by its weight: a headline list or a menu that cleaning
    # left around one copy weighs less than a paragraph of another story.
    @property
    def text_in_canonical(self) -> float:
        whole = self.matched + self.text_rest
        return self.matched / whole if whole else 1.0

    @property
    def canonical_in_text(self) -> float:
        whole = self.matched + self.canonical_rest
        return self.matched / whole if whole else 1.0

    @property
    def similarity(self) -> float:
        """Matched words over the words of both (a Jaccard of aligned words, weighted)."""
        union = self.matched + self.text_rest + self.canonical_rest
        return self.matched / union if union else 1.0

    @classmethod
    def of(cls, text: Tokens, canonical: Tokens, opts: DedupOptions) -> Alignment:
        """The alignment of ``text`` with ``canonical``. Where it starts further into the canonical
        than ``NEWSDEDUP_CONTAIN_MAX_START`` words, the text is also aligned with the canonical's
        opening: a canonical may say a passage twice (a standfirst repeated below, a word or two
        apart), and the longest common subsequence takes the later one when it matches a word
        more. Found there but for ``NEWSDEDUP_ALIGN_SLOT_WORDS`` words, the text starts there."""
        a = cls._align(text, canonical, opts)
        if a.matched and a.canonical_start > opts.contain_max_start:
            head = cls._align(text, canonical.head(opts.contain_max_start + len(text)), opts)
            if head.matched + opts.align_slot_words >= a.matched:
                a = replace(a, canonical_start=head.canonical_start, text_lead=head.text_lead)
        return a

    @classmethod
    def _align(cls, text: Tokens, canonical: Tokens, opts: DedupOptions) -> Alignment:
        matched = conflicts = number_conflicts = agreements = number_agreements = 0
        longest_extra = longest_missing = 0
        matched_a = matched_b = 0.0  # the weight of the matched words in each text
        canonical_start = text_start = -1
        gap_a: list[int] = []  # the text's and the canonical's words since the last matched run
        gap_b: list[int] = []
        prose_a, prose_b = text.prose, canonical.prose

        def close_gap() -> None:
            nonlocal conflicts, number_conflicts, longest_extra, longest_missing
            longest_extra = max(longest_extra, sum(prose_a[i] for i in gap_a))
            longest_missing = max(longest_missing, sum(prose_b[j] for j in gap_b))
            if gap_a and gap_b and max(len(gap_a), len(gap_b)) <= opts.align_slot_words:
                a_numbers = [text.ids[i] for i in gap_a if text.kinds[i] == NUMBER]
                b_numbers = [canonical.ids[j] for j in gap_b if canonical.kinds[j] == NUMBER]
                if a_numbers and b_numbers and a_numbers != b_numbers:
                    conflicts, number_conflicts = conflicts + 1, number_conflicts + 1
                elif any(text.kinds[i] == NAME for i in gap_a) and any(canonical.kinds[j] == NAME for j in gap_b):
                    conflicts += 1
            gap_a.clear()
            gap_b.clear()

        mask_a, mask_b = bytearray(len(text)), bytearray(len(canonical))  # 1: matched
        # LCSseq's opcodes are equal, insert and delete runs (no substitutions): what lies between
        # two matched runs is one difference, a word replaced or a passage added, dropped or rewritten.
        for op in LCSseq.opcodes(text.ids, canonical.ids):
            if op.tag == "equal" and op.src_end - op.src_start >= min(opts.align_run_words, len(text), len(canonical)):
                close_gap()
                if canonical_start < 0:
                    canonical_start, text_start = op.dest_start, op.src_start
                mask_a[op.src_start:op.src_end] = b"\x01" * (op.src_end - op.src_start)
                mask_b[op.dest_start:op.dest_end] = b"\x01" * (op.dest_end - op.dest_start)
                matched += op.src_end - op.src_start
                matched_a += text.weight(op.src_start, op.src_end, opts.align_other_weight)
                matched_b += canonical.weight(op.dest_start, op.dest_end, opts.align_other_weight)
                kinds = text.kinds[op.src_start:op.src_end]
                n = kinds.count(NUMBER)
                agreements += n + kinds.count(NAME)
                number_agreements += n
            else:  # (a shorter common run between two differences is no evidence of a copy)
                gap_a.extend(range(op.src_start, op.src_end))
                gap_b.extend(range(op.dest_start, op.dest_end))
        close_gap()
        moved = cls._moved(text, canonical, mask_a, mask_b, opts)
        if moved:  # what is left out, and its longest passages, now that moved passages are matched
            matched += moved
            matched_a = _weight(text, mask_a, opts.align_other_weight)
            matched_b = _weight(canonical, mask_b, opts.align_other_weight)
            longest_extra, longest_missing = _longest_unmatched(text, mask_a), _longest_unmatched(canonical, mask_b)
        text_rest = max(0.0, text.weight(other=opts.align_other_weight) - matched_a)
        canonical_rest = max(0.0, canonical.weight(other=opts.align_other_weight) - matched_b)
        return cls(len(text), len(canonical), matched, text_rest, canonical_rest, conflicts, number_conflicts,
                   agreements, number_agreements, longest_extra, longest_missing,
                   max(0, canonical_start) if matched else len(canonical),
                   text.weight(0, text_start if matched else len(text), opts.align_other_weight))

    @staticmethod
    def _moved(text: Tokens, canonical: Tokens, mask_a: bytearray, mask_b: bytearray, opts: DedupOptions) -> int:
        """Words of passages a rewrite moved, which the in-order alignment left out: the words left
        on both sides are aligned again, and runs of ``NEWSDEDUP_ALIGN_MOVED_WORDS`` or more count,
        up to ``NEWSDEDUP_ALIGN_MOVED_PASSES`` times. Marks them in the masks; returns their number."""
        total = 0
        for _ in range(opts.align_moved_passes):
            free_a = [i for i, m in enumerate(mask_a) if not m]
            free_b = [j for j, m in enumerate(mask_b) if not m]
            if min(len(free_a), len(free_b)) < opts.align_moved_words:
                break
            found = 0
            for op in LCSseq.opcodes([text.ids[i] for i in free_a], [canonical.ids[j] for j in free_b]):
                if op.tag == "equal" and op.src_end - op.src_start >= opts.align_moved_words:
                    for k in range(op.src_start, op.src_end):
                        mask_a[free_a[k]] = 1
                    for k in range(op.dest_start, op.dest_end):
                        mask_b[free_b[k]] = 1
                    found += op.src_end - op.src_start
            if not found:
                break
            total += found
        return total

    def other_facts(self, opts: DedupOptions) -> bool:
        """Whether the two texts are stories cast from one template: the same frames holding other
        numbers (most of the numbers they align differ, two at least), or other facts all through
        (``NEWSDEDUP_MAX_CONFLICTS_PER_100`` per hundred matched words, three at least). One
        corrected figure in a copy is neither."""
        numbers = self.number_conflicts + self.number_agreements
        if self.number_conflicts >= opts.min_conflicts and self.number_conflicts > opts.max_conflict_share * numbers:
            return True
        return (self.conflicts >= opts.min_conflicts + 1
                and self.conflicts * 100 >= opts.max_conflicts_per_100 * max(1, self.matched))


def _weight(tokens: Tokens, mask: bytearray, other: float) -> float:
    """The weight of the masked words: one a word of prose, ``other`` another word."""
    prose = sum(1 for m, p in zip(mask, tokens.prose) if m and p)
    return prose + other * (sum(mask) - prose)


def _longest_unmatched(tokens: Tokens, mask: bytearray) -> int:
    """The most words of prose in one passage left unmatched."""
    longest = run = 0
    for m, p in zip(mask, tokens.prose):
        run = 0 if m else run + p
        longest = max(longest, run)
    return longest


def tokens(text: str, opts: DedupOptions) -> Tokens:
    return Tokens.of(text, opts.align_max_words, opts.prose_min_words)
