"""The typed view of the settings: what the code reads.

:func:`load_settings` builds Scrapy ``Settings`` from the defaults module
(with environment overrides) plus CLI overrides; :class:`Config` is the typed,
frozen view of it that stages receive. Option groups follow trafilatura's
"one options object" style: :class:`CleanOptions` and :class:`DedupOptions`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.settings import BaseSettings, Settings

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class CleanOptions:
    """Thresholds of the clean stage (see ``pipeline/stages/clean.py``)."""

    lexicon_languages: tuple[str, ...] = ("de", "en", "fr", "es", "it")
    title_search_lines: int = 15  # the title is looked for in the first N non-empty lines
    title_min_words: int = 3
    title_max_words: int = 30
    title_context_words: int = 150  # the title is chosen by its overlap with this much of the article
    title_distance_penalty: float = 0.05  # per candidate farther from the article's start
    title_inside_penalty: float = 0.25  # a headline inside the best run must beat those above by this
    title_inside_min_overlap: float = 0.5  # ...and share at least this much of its words with the article
    title_min_overlap: float = 0.2  # a headline above it shares at least this much
    paragraph_min_words: int = 12  # a line this long is body text by its shape
    short_line_max_words: int = 6  # menu items, names, labels
    menu_line_max_words: int = 3  # a line this short counts against being article text
    lexicon_max_words: int = 40  # "starts with"/"label" phrases only match lines this short
    min_repeat_words: int = 4  # shorter lines are never dropped as in-page repeats
    cut_after_paragraphs: int = 2  # a comments header cuts the page only below this many paragraphs
    min_text_words: int = 20  # less article text than this is a failure, not an article
    teaser_min_words: int = 20  # a line this long ending in "…" can end a page's own teaser
    teaser_max_paragraphs: int = 3  # ...of at most this many paragraphs
    other_language_margin: float = 1.5  # a run in another language than the page's guess wins at this many times its score
    teaser_weight: float = 2.0  # a teaser's run counts this many times its score against other runs
    teaser_lead_min_overlap: float = 0.25  # prose above a teaser holding this share of the title's words is the story's
    after_comments_weight: float = 0.5  # a run below a comments header counts this share of its score
    box_cut_min_share: float = 0.75  # a "Related" header ends the article with this share above it
    cut_min_share: float = 0.5  # ...and only when this share of the article's words is above it
    comment_min_marks: int = 3  # ...or when this many comments' marks (date stamps, "Reply") stand below it
    comment_mark_max_words: int = 20  # a date-stamped line this short is a comment's mark
    comment_name_max_words: int = 3  # below a comments header, a name this short over prose marks a comment
    comment_mark_window: int = 8  # the first mark stands within this many lines below the header
    comment_max_words: int = 250  # ...and the next at most this many words further (a comment, not a story)
    min_stopword_share: float = 0.2  # a paragraph has at least this share of stop words
    noise_line_penalty: float = 5.0  # score of a boilerplate line when finding the article
    boundary_line_penalty: float = 12.0  # score of a "Related" or "Comments" header
    short_line_penalty: float = 2.0  # score of a short (menu-like) line
    unfinished_line_weight: float = 0.25  # a long line that is not a sentence counts this much per word
    recurring_min_docs: int = 3  # a line in this many documents of one source is page furniture
    recurring_min_share: float = 0.5  # ...and in at least this share of the source's documents
    recurring_prose_min_docs: int = 5  # a prose line needs this many documents of the source
    recurring_prose_min_share: float = 0.8  # ...and this share of them
    tail_meta_lines: int = 5  # credits this close below the article are kept as metadata
    repeat_window_lines: int = 10  # the same line again within this many lines is a repeat
    language_sample_chars: int = 1000  # text given to the language identifier
    repetition_min_chars: int = 200  # lines (and article texts) this long are checked for repetition
    repetition_max_ratio: float = 20.0  # ...and are repetitive when zlib makes them this many times smaller


@dataclass(frozen=True)
class BudgetOptions:
    """What one document may cost the extract and clean stages (see ``settings/__init__.py``)."""

    max_html_tags: int = 60_000  # "<" characters in an HTML page, counted before parsing
    max_html_depth: int = 250  # levels of nesting (the parser stops at 256)
    max_text_chars: int = 1_000_000  # characters of text given to the clean stage
    max_text_lines: int = 20_000  # ...and lines
    document_seconds: float = 20.0  # wall-clock seconds per document and stage; 0: no limit


@dataclass(frozen=True)
class DedupOptions:
    """MinHash and LSH parameters (see ``pipeline/stages/fingerprint.py`` and ``dedup.py``)."""

    num_perm: int = 128
    seed: int = 1
    scheme: str = "affine32"
    hash: str = "xxh32"
    shingle_words: int = 5
    lsh_threshold: float = 0.3
    near_threshold: float = 0.7
    whole_share: float = 0.95  # "all of the other text": update and contained are checked first at this share
    contain_threshold: float = 0.7  # share of one text's words aligned with the other: teaser or update
    update_min_share: float = 0.5  # ...and, for such an update, at least this share of its own words
    update_max_added_words: int = 120  # ...or it adds at most this many words (weighted as the shares are)
    update_max_lead_words: float = 25  # ...or it opens with the canonical, behind at most this many
    contain_max_start: int = 150  # a contained text aligns from at most this many words into the canonical
    contain_min_cover: float = 0.5  # ...or covers at least this share of it
    canonical_cache: int = 4096  # canonical texts whose words are kept in memory during a run
    opening_words: int = 8  # paragraphs are also indexed by their first words (teasers quote them)
    opening_paragraphs: int = 3
    opening_span_words: int = 150  # ...and so is every paragraph that starts within this many words
    opening_max_articles: int = 50  # an opening key more articles share is boilerplate, not looked up
    canonical_gain_words: int = 25  # a copy adding a passage this long (and lacking none) becomes canonical
    align_run_words: int = 3  # words aligned in runs shorter than this do not count as matched
    align_slot_words: int = 4  # a difference this short holding other facts is a conflict
    align_moved_words: int = 12  # a passage moved elsewhere counts as matched in runs this long
    align_moved_passes: int = 2  # ...found in this many alignments of the words left over
    align_max_words: int = 10_000  # words of each text aligned (the cost is their product)
    align_other_weight: float = 0.25  # an unaligned word outside prose counts this much against a match
    prose_min_words: int = 12  # ...prose: a line this long that ends like a sentence
    min_conflicts: int = 2  # differing facts fewer than this never part two texts (a corrected figure)
    max_conflict_share: float = 0.5  # texts whose aligned numbers differ more than this are two stories
    max_conflicts_per_100: float = 1.5  # ...or whose facts differ this often per hundred matched words

    @property
    def signature_params(self) -> str:
        """Everything that makes two signatures comparable, as one stored string."""
        return (
            f"minhash;scheme={self.scheme};hash={self.hash};num_perm={self.num_perm};"
            f"seed={self.seed};shingle=words{self.shingle_words}"
        )


@dataclass(frozen=True)
class ScheduleOptions:
    """How ``newsdedup scheduler`` runs the schedules (see ``pipeline/crawl/scheduler.py``)."""

    table: str = "schedules"
    misfire_grace_seconds: int = 3600
    poll_seconds: float = 10.0
    stop_timeout_seconds: float = 60.0
    timezone: str = ""  # empty: the machine's
    max_state_bytes: int = 64 * 1024  # a stored schedule larger than this is not read (reported, kept)


@dataclass(frozen=True)
class CrawlOptions:
    """What the web spiders refuse (see ``spiders/addresses.py``, ``spiders/sitemaps.py``,
    ``spiders/frontier_queue.py``)."""

    sitemap_max_depth: int = 5  # sitemap indexes below the sitemap given; deeper ones: too-deep
    allow_private_addresses: bool = False  # fetch private addresses found on the web too
    resolve_timeout_seconds: float = 10.0  # a host is resolved (and checked) in at most this
    frontier_max_entry_bytes: int = 65536  # a shared frontier's queue entry above this is refused


@dataclass(frozen=True)
class Config:
    """The settings newsdedup's own code reads."""

    db_url: str
    store_batch: int
    store_batch_seconds: float
    writer_wait_seconds: float  # how long a run waits for another writer of its SQLite file
    dedup_index: str  # "memory" or "database" (resolved from "auto")
    redis_url: str  # the shared crawl frontier; empty: none
    workers: int  # worker processes of a local run (resolved: 0 in settings means one per core)
    worker_chunk: int
    file_suffixes: tuple[str, ...]
    max_bytes: int
    follow_symlinks: bool  # read links inside a folder that lead out of it
    utf8_max_bad_share: float  # see DecodeStage.decode_bytes
    tracking_params: tuple[str, ...]
    item_pipelines: Mapping[str, int]
    clean: CleanOptions
    budget: BudgetOptions
    dedup: DedupOptions
    schedule: ScheduleOptions
    web_allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")  # Host headers the web view answers
    crawl: CrawlOptions = CrawlOptions()

    @property
    def shared(self) -> bool:
        """True when the dedup index is the database's (any number of writers, one document per
        transaction), False for the in-memory one (one writer)."""
        return self.dedup_index == "database"

    @classmethod
    def from_settings(cls, s: BaseSettings) -> Config:
        return cls(
            db_url=s.get("NEWSDEDUP_DB"),
            store_batch=max(1, s.getint("NEWSDEDUP_STORE_BATCH")),
            store_batch_seconds=s.getfloat("NEWSDEDUP_STORE_BATCH_SECONDS"),
            writer_wait_seconds=s.getfloat("NEWSDEDUP_WRITER_WAIT_SECONDS"),
            dedup_index=_dedup_index(s.get("NEWSDEDUP_DEDUP_INDEX"), s.get("NEWSDEDUP_DB")),
            redis_url=s.get("NEWSDEDUP_REDIS") or "",
            workers=_workers(s.getint("NEWSDEDUP_WORKERS")),
            worker_chunk=max(1, s.getint("NEWSDEDUP_WORKER_CHUNK")),
            file_suffixes=tuple(s.getlist("NEWSDEDUP_FILE_SUFFIXES")),
            max_bytes=s.getint("NEWSDEDUP_MAX_BYTES"),
            follow_symlinks=s.getbool("NEWSDEDUP_FOLLOW_SYMLINKS"),
            utf8_max_bad_share=s.getfloat("NEWSDEDUP_UTF8_MAX_BAD_SHARE"),
            tracking_params=tuple(s.getlist("NEWSDEDUP_TRACKING_PARAMS")),
            item_pipelines=dict(s.getdict("ITEM_PIPELINES")),
            clean=CleanOptions(
                lexicon_languages=tuple(s.getlist("NEWSDEDUP_LEXICON_LANGUAGES")),
                title_search_lines=s.getint("NEWSDEDUP_TITLE_SEARCH_LINES"),
                title_min_words=s.getint("NEWSDEDUP_TITLE_MIN_WORDS"),
                title_max_words=s.getint("NEWSDEDUP_TITLE_MAX_WORDS"),
                title_context_words=s.getint("NEWSDEDUP_TITLE_CONTEXT_WORDS"),
                title_distance_penalty=s.getfloat("NEWSDEDUP_TITLE_DISTANCE_PENALTY"),
                title_inside_penalty=s.getfloat("NEWSDEDUP_TITLE_INSIDE_PENALTY"),
                title_inside_min_overlap=s.getfloat("NEWSDEDUP_TITLE_INSIDE_MIN_OVERLAP"),
                title_min_overlap=s.getfloat("NEWSDEDUP_TITLE_MIN_OVERLAP"),
                paragraph_min_words=s.getint("NEWSDEDUP_PARAGRAPH_MIN_WORDS"),
                short_line_max_words=s.getint("NEWSDEDUP_SHORT_LINE_MAX_WORDS"),
                menu_line_max_words=s.getint("NEWSDEDUP_MENU_LINE_MAX_WORDS"),
                lexicon_max_words=s.getint("NEWSDEDUP_LEXICON_MAX_WORDS"),
                min_repeat_words=s.getint("NEWSDEDUP_MIN_REPEAT_WORDS"),
                cut_after_paragraphs=s.getint("NEWSDEDUP_CUT_AFTER_PARAGRAPHS"),
                teaser_min_words=s.getint("NEWSDEDUP_TEASER_MIN_WORDS"),
                teaser_weight=s.getfloat("NEWSDEDUP_TEASER_WEIGHT"),
                teaser_lead_min_overlap=s.getfloat("NEWSDEDUP_TEASER_LEAD_MIN_OVERLAP"),
                other_language_margin=s.getfloat("NEWSDEDUP_OTHER_LANGUAGE_MARGIN"),
                after_comments_weight=s.getfloat("NEWSDEDUP_AFTER_COMMENTS_WEIGHT"),
                teaser_max_paragraphs=s.getint("NEWSDEDUP_TEASER_MAX_PARAGRAPHS"),
                min_text_words=s.getint("NEWSDEDUP_MIN_TEXT_WORDS"),
                cut_min_share=s.getfloat("NEWSDEDUP_CUT_MIN_SHARE"),
                comment_min_marks=s.getint("NEWSDEDUP_COMMENT_MIN_MARKS"),
                comment_mark_max_words=s.getint("NEWSDEDUP_COMMENT_MARK_MAX_WORDS"),
                comment_name_max_words=s.getint("NEWSDEDUP_COMMENT_NAME_MAX_WORDS"),
                comment_mark_window=s.getint("NEWSDEDUP_COMMENT_MARK_WINDOW"),
                comment_max_words=s.getint("NEWSDEDUP_COMMENT_MAX_WORDS"),
                box_cut_min_share=s.getfloat("NEWSDEDUP_BOX_CUT_MIN_SHARE"),
                min_stopword_share=s.getfloat("NEWSDEDUP_MIN_STOPWORD_SHARE"),
                noise_line_penalty=s.getfloat("NEWSDEDUP_NOISE_LINE_PENALTY"),
                boundary_line_penalty=s.getfloat("NEWSDEDUP_BOUNDARY_LINE_PENALTY"),
                short_line_penalty=s.getfloat("NEWSDEDUP_SHORT_LINE_PENALTY"),
                unfinished_line_weight=s.getfloat("NEWSDEDUP_UNFINISHED_LINE_WEIGHT"),
                tail_meta_lines=s.getint("NEWSDEDUP_TAIL_META_LINES"),
                recurring_min_docs=s.getint("NEWSDEDUP_RECURRING_MIN_DOCS"),
                recurring_prose_min_docs=s.getint("NEWSDEDUP_RECURRING_PROSE_MIN_DOCS"),
                recurring_prose_min_share=s.getfloat("NEWSDEDUP_RECURRING_PROSE_MIN_SHARE"),
                recurring_min_share=s.getfloat("NEWSDEDUP_RECURRING_MIN_SHARE"),
                repeat_window_lines=s.getint("NEWSDEDUP_REPEAT_WINDOW_LINES"),
                language_sample_chars=s.getint("NEWSDEDUP_LANGUAGE_SAMPLE_CHARS"),
                repetition_min_chars=s.getint("NEWSDEDUP_REPETITION_MIN_CHARS"),
                repetition_max_ratio=s.getfloat("NEWSDEDUP_REPETITION_MAX_RATIO"),
            ),
            budget=_budget(s),
            web_allowed_hosts=tuple(s.getlist("NEWSDEDUP_WEB_ALLOWED_HOSTS")),
            schedule=ScheduleOptions(
                table=s.get("NEWSDEDUP_SCHEDULE_TABLE"),
                misfire_grace_seconds=s.getint("NEWSDEDUP_MISFIRE_GRACE_SECONDS"),
                poll_seconds=s.getfloat("NEWSDEDUP_SCHEDULER_POLL_SECONDS"),
                stop_timeout_seconds=s.getfloat("NEWSDEDUP_STOP_TIMEOUT_SECONDS"),
                timezone=s.get("NEWSDEDUP_TIMEZONE"),
                max_state_bytes=s.getint("NEWSDEDUP_SCHEDULE_MAX_BYTES"),
            ),
            crawl=CrawlOptions(
                sitemap_max_depth=max(0, s.getint("NEWSDEDUP_SITEMAP_MAX_DEPTH")),
                allow_private_addresses=s.getbool("NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES"),
                resolve_timeout_seconds=s.getfloat("NEWSDEDUP_RESOLVE_TIMEOUT_SECONDS"),
                frontier_max_entry_bytes=s.getint("NEWSDEDUP_FRONTIER_MAX_ENTRY_BYTES"),
            ),
            dedup=DedupOptions(
                num_perm=s.getint("NEWSDEDUP_MINHASH_NUM_PERM"),
                seed=s.getint("NEWSDEDUP_MINHASH_SEED"),
                scheme=s.get("NEWSDEDUP_MINHASH_SCHEME"),
                hash=s.get("NEWSDEDUP_MINHASH_HASH"),
                shingle_words=s.getint("NEWSDEDUP_SHINGLE_WORDS"),
                lsh_threshold=s.getfloat("NEWSDEDUP_LSH_THRESHOLD"),
                near_threshold=s.getfloat("NEWSDEDUP_NEAR_THRESHOLD"),
                contain_threshold=s.getfloat("NEWSDEDUP_CONTAIN_THRESHOLD"),
                whole_share=s.getfloat("NEWSDEDUP_WHOLE_SHARE"),
                update_min_share=s.getfloat("NEWSDEDUP_UPDATE_MIN_SHARE"),
                update_max_added_words=s.getint("NEWSDEDUP_UPDATE_MAX_ADDED_WORDS"),
                update_max_lead_words=s.getfloat("NEWSDEDUP_UPDATE_MAX_LEAD_WORDS"),
                contain_max_start=s.getint("NEWSDEDUP_CONTAIN_MAX_START"),
                contain_min_cover=s.getfloat("NEWSDEDUP_CONTAIN_MIN_COVER"),
                opening_words=s.getint("NEWSDEDUP_OPENING_WORDS"),
                canonical_cache=s.getint("NEWSDEDUP_CANONICAL_CACHE"),
                opening_paragraphs=s.getint("NEWSDEDUP_OPENING_PARAGRAPHS"),
                opening_span_words=s.getint("NEWSDEDUP_OPENING_SPAN_WORDS"),
                opening_max_articles=max(1, s.getint("NEWSDEDUP_OPENING_MAX_ARTICLES")),
                canonical_gain_words=max(1, s.getint("NEWSDEDUP_CANONICAL_GAIN_WORDS")),
                align_run_words=max(1, s.getint("NEWSDEDUP_ALIGN_RUN_WORDS")),
                align_slot_words=max(1, s.getint("NEWSDEDUP_ALIGN_SLOT_WORDS")),
                align_moved_words=max(1, s.getint("NEWSDEDUP_ALIGN_MOVED_WORDS")),
                align_moved_passes=max(0, s.getint("NEWSDEDUP_ALIGN_MOVED_PASSES")),
                align_max_words=max(1, s.getint("NEWSDEDUP_ALIGN_MAX_WORDS")),
                align_other_weight=s.getfloat("NEWSDEDUP_ALIGN_OTHER_WEIGHT"),
                prose_min_words=max(1, s.getint("NEWSDEDUP_PROSE_MIN_WORDS")),
                min_conflicts=max(1, s.getint("NEWSDEDUP_MIN_CONFLICTS")),
                max_conflict_share=s.getfloat("NEWSDEDUP_MAX_CONFLICT_SHARE"),
                max_conflicts_per_100=s.getfloat("NEWSDEDUP_MAX_CONFLICTS_PER_100"),
            ),
        )


DEDUP_INDEXES = ("auto", "memory", "database")


def _dedup_index(value: str, db_url: str) -> str:
    if value not in DEDUP_INDEXES:
        raise ConfigError(f"NEWSDEDUP_DEDUP_INDEX={value!r}: choose one of {', '.join(DEDUP_INDEXES)}")
    sqlite = str(db_url).startswith("sqlite")
    if value == "auto":
        return "memory" if sqlite else "database"
    if value == "database" and sqlite:
        raise ConfigError("NEWSDEDUP_DEDUP_INDEX=database needs PostgreSQL: SQLite has one writer at a "
                          "time, so use memory (or auto) with it")
    return value


# libxml2 reads at most this many levels of an HTML page, and drops the rest.
PARSER_MAX_DEPTH = 255


def _budget(s: BaseSettings) -> BudgetOptions:
    depth = s.getint("NEWSDEDUP_MAX_HTML_DEPTH")
    if not 1 <= depth <= PARSER_MAX_DEPTH:
        raise ConfigError(f"NEWSDEDUP_MAX_HTML_DEPTH={depth}: use 1 to {PARSER_MAX_DEPTH} (the HTML parser "
                          f"reads no deeper)")
    budget = BudgetOptions(
        max_html_tags=s.getint("NEWSDEDUP_MAX_HTML_TAGS"),
        max_html_depth=depth,
        max_text_chars=s.getint("NEWSDEDUP_MAX_TEXT_CHARS"),
        max_text_lines=s.getint("NEWSDEDUP_MAX_TEXT_LINES"),
        document_seconds=s.getfloat("NEWSDEDUP_DOCUMENT_SECONDS"),
    )
    for name in ("max_html_tags", "max_text_chars", "max_text_lines"):
        if getattr(budget, name) < 1:
            raise ConfigError(f"NEWSDEDUP_{name.upper()}={getattr(budget, name)}: use a positive number")
    if budget.document_seconds < 0:
        raise ConfigError(f"NEWSDEDUP_DOCUMENT_SECONDS={budget.document_seconds}: use 0 (no limit) or more")
    return budget


def _workers(value: int) -> int:
    if value < 0:
        raise ConfigError(f"NEWSDEDUP_WORKERS={value}: use 0 (one per CPU core) or a positive number")
    return value or os.cpu_count() or 1


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Scrapy settings from the defaults module, the environment, then ``overrides`` (CLI)."""
    settings = Settings()
    settings.setmodule("settings", priority="project")
    for name, value in (overrides or {}).items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def load_config(overrides: Mapping[str, Any] | None = None) -> Config:
    """The typed config, as the CLI and tests build it."""
    return Config.from_settings(load_settings(overrides))
