"""newsdedup settings: the one defaults module (Scrapy style).

Everything configurable lives here, in upper case. Scrapy reads this module
(``scrapy.cfg`` names it), and so does the ``newsdedup`` CLI. Values are
overridden, lowest priority first, by:

1. environment variables named like the setting (``NEWSDEDUP_DB=...``), see
   :mod:`settings.environment`;
2. CLI flags (``--db URL``) or ``scrapy crawl ... -s NAME=VALUE``.

Code reads settings through the typed view in :mod:`settings.config`,
never through bare strings scattered in modules.
"""

# --- Scrapy ---------------------------------------------------------------
BOT_NAME = "newsdedup"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
ROBOTSTXT_OBEY = True
USER_AGENT = "newsdedup (+https://pypi.org/project/newsdedup/)"
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
FEED_EXPORT_ENCODING = "utf-8"
AUTOTHROTTLE_ENABLED = True
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # the same limit as NEWSDEDUP_MAX_BYTES for local files
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
# Retries wait: this many seconds before the first, twice as long before each next one, at
# most the maximum; a longer Retry-After (seconds) is honoured up to it (spiders/retry.py).
NEWSDEDUP_RETRY_BACKOFF_SECONDS = 2.0
NEWSDEDUP_RETRY_BACKOFF_MAX_SECONDS = 60.0
DOWNLOADER_MIDDLEWARES = {
    "spiders.addresses.AddressGuard": 60,  # before robots.txt: not even that is fetched from them
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.robots.RobotsMiddleware": 100,  # Scrapy's, refusals recorded as robots-disallowed
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.retry.BackoffRetryMiddleware": 550,
}
# Links found on the web (feed items, sitemap entries, page links, redirects) to a loopback,
# private, link-local or otherwise non-public address are refused (`private-address`), unless
# they are on a host and port the user gave (spiders/addresses.py). True: fetch them too (per
# source: `allow_private_addresses = true` in the sources file).
NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES = False
# A host found on the web is resolved, to be checked, in at most this many seconds; a host not
# resolved in time is recorded as a download error, never fetched unchecked.
NEWSDEDUP_RESOLVE_TIMEOUT_SECONDS = 10.0
# Sitemap indexes are followed this many levels below the sitemap given; the sitemaps an index
# deeper down lists are recorded as `too-deep`, not fetched.
NEWSDEDUP_SITEMAP_MAX_DEPTH = 5
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

# The stage order: every document goes through these, lowest number first.
# The local `newsdedup ingest` runner drives the same classes in the same order.
ITEM_PIPELINES = {
    "pipeline.stages.seen.SeenStage": 100,
    "pipeline.stages.decode.DecodeStage": 200,
    "pipeline.stages.extract.ExtractStage": 300,
    "pipeline.stages.recurring.RecurringLinesStage": 350,
    "pipeline.stages.clean.CleanStage": 400,
    "pipeline.stages.metadata.MetadataStage": 500,
    "pipeline.stages.fingerprint.FingerprintStage": 600,
    "pipeline.stages.dedup.DedupStage": 700,
    "pipeline.stages.store.StoreStage": 800,
}

# --- URLs (pipeline/crawl/urls.py) --------------------------------------------
# Query parameters dropped from every URL before it is fetched or stored (glob
# patterns, case-insensitive): they track the reader, not the page.
NEWSDEDUP_TRACKING_PARAMS = [
    "utm_*", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
    "_ga", "_gl", "ocid", "cmpid", "wt_mc", "wt.mc_id", "at_medium", "at_campaign", "ns_mchannel",
    "ns_source", "ns_campaign", "ref_src", "spm", "xtor",
]

# --- Storage --------------------------------------------------------------
# Any SQLAlchemy URL. PostgreSQL: postgresql+psycopg://user@host:5432/dbname
NEWSDEDUP_DB = "sqlite:///newsdedup.db"
# Documents written per database transaction (with the shared dedup index: one, see below).
# Each document is its own unit inside it (a SAVEPOINT): one that fails is rolled back alone.
NEWSDEDUP_STORE_BATCH = 200
# ...or fewer, when the batch has been open this many seconds: counts shown while a run goes
# (progress bar, log lines) are of committed documents, so they lag by at most this much.
NEWSDEDUP_STORE_BATCH_SECONDS = 2.0
# SQLite takes one writing run at a time (pipeline/store/writers.py): a second one stops at once with
# a message (exit 2), unless it is asked to wait this many seconds for the first (`--wait`: no
# limit; "inf" works here too).
NEWSDEDUP_WRITER_WAIT_SECONDS = 0.0
# Where the dedup stage looks for the stories a document may copy (pipeline/dedup/index.py):
# "memory": an in-memory MinHashLSH, loaded from the stored signatures when a run starts;
#   fast, but it sees only what this process stores: one writer per database.
# "database": the LSH bands in the database (table article_bands), locked per band while a
#   document is deduplicated and committed one document at a time; any number of workers, on
#   any number of machines, may then write to one database.
# "auto": "database" on PostgreSQL, "memory" on SQLite.
NEWSDEDUP_DEDUP_INDEX = "auto"

# --- Shared crawl frontier (scrapy-redis) -------------------------------------
# A Redis URL (redis://host:6379/0) makes crawls share one request queue and one
# seen-requests filter through scrapy-redis, so several crawl processes, on one machine or
# many, split a source's pages between them. Empty: each crawl keeps its own, in memory.
NEWSDEDUP_REDIS = ""
# Processes crawling a source share a frontier when they use the same name here (and Redis).
# Empty: today's date (UTC). A new name starts afresh (spiders/frontier.py).
NEWSDEDUP_FRONTIER = ""
# Queue entries are JSON, read back with checks (spiders/frontier_queue.py), never pickled: an entry that
# does not parse, or is larger than this many bytes, is refused (`bad-frontier-entry`).
NEWSDEDUP_FRONTIER_MAX_ENTRY_BYTES = 65536
ADDONS = {"spiders.frontier.SharedFrontier": 0}

# --- Local runs (`newsdedup ingest`) -----------------------------------------
# Worker processes for the stages marked ``parallel`` (clean, metadata,
# fingerprint); 0 means one per CPU core, 1 runs everything in one process.
# Reading, the stages that learn from earlier documents (seen, recurring) and
# the stages that write (dedup, store) stay in the main process, in file order,
# so the result is the same for any number of workers.
NEWSDEDUP_WORKERS = 0
# Documents sent to a worker at a time.
NEWSDEDUP_WORKER_CHUNK = 16

# --- Crawls and the scheduler (`newsdedup crawl`, `schedule`, `scheduler`) -----
# Schedules live in this table of the newsdedup database (APScheduler's SQLAlchemyJobStore),
# so they survive restarts. Run one `newsdedup scheduler` per database, never two.
NEWSDEDUP_SCHEDULE_TABLE = "schedules"
# A run that is due while the scheduler is down (or busy with another source) still runs
# when it comes back within this many seconds; several missed runs of a source run once.
NEWSDEDUP_MISFIRE_GRACE_SECONDS = 3600
# How often the scheduler re-reads the schedules that `newsdedup schedule add/remove` changed.
NEWSDEDUP_SCHEDULER_POLL_SECONDS = 10.0
# On SIGTERM or Ctrl-C, the spider in flight is asked to stop (it finishes the requests under
# way and commits); after this many seconds it is killed and its uncommitted batch abandoned.
NEWSDEDUP_STOP_TIMEOUT_SECONDS = 60.0
# A stored schedule (a row of that table: the source's definition as JSON) larger than this many
# bytes is not read: it is reported and kept (pipeline/crawl/jobstore.py).
NEWSDEDUP_SCHEDULE_MAX_BYTES = 64 * 1024
# Time zone of cron schedules (an IANA name such as "Europe/Berlin"); empty: this machine's.
NEWSDEDUP_TIMEZONE = ""
# Set by `newsdedup crawl` and the scheduler on each spider process they start (not by hand):
# the source's name and what started the run, stored with the run; and the parent's pid, which
# the spider process dies with (Linux), so a killed scheduler leaves no crawl behind.
NEWSDEDUP_SOURCE = ""
# ...and the outlet of the source's pages that name none (its `outlet`, by default its name).
NEWSDEDUP_SOURCE_OUTLET = ""
NEWSDEDUP_TRIGGER = ""
NEWSDEDUP_PARENT_PID = 0
EXTENSIONS = {"pipeline.crawl.runner.DieWithParent": 0}

# --- The web view (`newsdedup serve`) -----------------------------------------
# The host names (or addresses) a request's Host header may name; any other is answered 400,
# so that a web page elsewhere cannot reach the view through a name it controls (DNS
# rebinding). `serve --allow-host NAME` adds one, and `--host ADDRESS` adds that address.
NEWSDEDUP_WEB_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# --- Input ----------------------------------------------------------------
# File name endings the files spider and `newsdedup ingest` accept.
NEWSDEDUP_FILE_SUFFIXES = [".txt", ".html", ".htm", ".txt.gz", ".html.gz", ".htm.gz"]
# Largest file accepted, in bytes (after gzip decompression). A news page is
# rarely above 2 MB; larger inputs are recorded as failures.
NEWSDEDUP_MAX_BYTES = 10 * 1024 * 1024
# Inside a folder given, a link whose target lies outside it is refused (outside-input)
# unless this is true (`--follow-symlinks`). Paths given by name are read as given.
NEWSDEDUP_FOLLOW_SYMLINKS = False
# A file that is UTF-8 but for some bad bytes is read as UTF-8 with those bytes replaced
# (U+FFFD) when at most this share of its non-ASCII characters are bad; else it is read as
# its declared charset or windows-1252. Text in windows-1252 is almost never valid UTF-8
# (an accented letter followed by an ASCII one is a bad byte), so a majority of valid
# characters says UTF-8. 0 turns the repair off.
NEWSDEDUP_UTF8_MAX_BAD_SHARE = 0.5

# --- Per-document budget (see settings.config.BudgetOptions) ------------------
# A page over any of these is recorded as failed (`too-complex`, naming the limit) and the run
# goes on. The real pages of the benchmarks (2,170: AEB, trafilatura's corpus, Dragnet's training
# split, the seeds) stay well below each: at most 20,574 tags, 51 levels, 240,000 characters and
# 4,028 lines of text.
# Tags ("<" characters, counted before the page is parsed): parsing and extraction cost grows
# with them (a million tags took trafilatura minutes and a gigabyte).
NEWSDEDUP_MAX_HTML_TAGS = 60_000
# Levels of nesting. The HTML parser (libxml2) stops reading at 256, losing the rest of the page:
# at most 255.
NEWSDEDUP_MAX_HTML_DEPTH = 250
# Characters and lines of text given to the clean stage (a text page, or what was extracted
# from an HTML page).
NEWSDEDUP_MAX_TEXT_CHARS = 1_000_000
NEWSDEDUP_MAX_TEXT_LINES = 20_000
# Wall-clock seconds the extract and the clean stage may each spend on one document; 0: no limit.
# Enforced by a timer signal where the stages run in a process's main thread (ingest, its
# workers, Scrapy's reactor); elsewhere only the size limits above apply. Code in C (the HTML
# parser, one regular expression) is not interrupted: the size limits bound it.
NEWSDEDUP_DOCUMENT_SECONDS = 20.0

# --- Cleaning (see settings.config.CleanOptions) ---------------------------
# Languages whose boilerplate lexicons are loaded (pipeline/data/boilerplate/).
NEWSDEDUP_LEXICON_LANGUAGES = ["de", "en", "fr", "es", "it"]
NEWSDEDUP_TITLE_SEARCH_LINES = 15
NEWSDEDUP_TITLE_MIN_WORDS = 3
NEWSDEDUP_TITLE_MAX_WORDS = 30
NEWSDEDUP_TITLE_CONTEXT_WORDS = 150
NEWSDEDUP_TITLE_DISTANCE_PENALTY = 0.05
NEWSDEDUP_TITLE_INSIDE_PENALTY = 0.25
NEWSDEDUP_TITLE_INSIDE_MIN_OVERLAP = 0.5
NEWSDEDUP_TITLE_MIN_OVERLAP = 0.2
NEWSDEDUP_PARAGRAPH_MIN_WORDS = 12
NEWSDEDUP_SHORT_LINE_MAX_WORDS = 6
NEWSDEDUP_MENU_LINE_MAX_WORDS = 3
NEWSDEDUP_LEXICON_MAX_WORDS = 40
NEWSDEDUP_MIN_REPEAT_WORDS = 4
NEWSDEDUP_CUT_AFTER_PARAGRAPHS = 2
NEWSDEDUP_MIN_TEXT_WORDS = 20
# A line this long that ends in "…" or "[…]" can end a page's own teaser (shorter ones are the
# blurbs of a list of other stories); one of paragraph length followed by "Read more" always can.
NEWSDEDUP_TEASER_MIN_WORDS = 20
NEWSDEDUP_TEASER_MAX_PARAGRAPHS = 3  # a teaser's end ends the article only this close to its start
NEWSDEDUP_TEASER_WEIGHT = 2.0  # ...and its run counts this many times its score against the page's other runs
# Prose above a teaser that holds this share of the title's content words is the story's own
# (a standfirst above a paywall's first paragraphs), not the page around the teaser.
NEWSDEDUP_TEASER_LEAD_MIN_OVERLAP = 0.25
# The page's language is guessed from all its prose; a run of paragraphs in another lexicon
# language, scored in that language, takes the article's place at this many times the score of
# the guessed language's best run (a German story inside an English site's page).
NEWSDEDUP_OTHER_LANGUAGE_MARGIN = 1.5
# The article is the best run of lines; one that starts below a comments header ("Comments",
# "Kommentare", "Leave a reply") counts this share of its score.
NEWSDEDUP_AFTER_COMMENTS_WEIGHT = 0.5
NEWSDEDUP_CUT_MIN_SHARE = 0.5
# ...unless this many lines below it are comments' marks (a date stamp, "3 hours ago", "Reply",
# "Sarah says:", the comment form), each within a comment's length of the one before: the
# comments, however long, then end the article there
NEWSDEDUP_COMMENT_MIN_MARKS = 3
NEWSDEDUP_COMMENT_MARK_MAX_WORDS = 20  # a date-stamped line this short is a comment's mark
NEWSDEDUP_COMMENT_NAME_MAX_WORDS = 3  # below a comments header, a name this short on a line over prose marks a comment
NEWSDEDUP_COMMENT_MARK_WINDOW = 8  # ...and the first of them stands within this many lines below the header
NEWSDEDUP_COMMENT_MAX_WORDS = 250  # ...and each next one at most this many words further (a comment, not a story)
NEWSDEDUP_BOX_CUT_MIN_SHARE = 0.75
NEWSDEDUP_MIN_STOPWORD_SHARE = 0.2
NEWSDEDUP_NOISE_LINE_PENALTY = 5.0
NEWSDEDUP_BOUNDARY_LINE_PENALTY = 12.0
NEWSDEDUP_SHORT_LINE_PENALTY = 2.0
NEWSDEDUP_UNFINISHED_LINE_WEIGHT = 0.25
NEWSDEDUP_TAIL_META_LINES = 5
NEWSDEDUP_RECURRING_MIN_DOCS = 3
NEWSDEDUP_RECURRING_MIN_SHARE = 0.5
# Prose lines (a comment policy, a disclaimer) count as a source's furniture only in more of
# its documents: a story copied across a folder of pasted pages shares its paragraphs too.
NEWSDEDUP_RECURRING_PROSE_MIN_DOCS = 5
NEWSDEDUP_RECURRING_PROSE_MIN_SHARE = 0.8
NEWSDEDUP_REPEAT_WINDOW_LINES = 10
# Characters of prose given to the language identifier (py3langid); its cost grows with them.
NEWSDEDUP_LANGUAGE_SAMPLE_CHARS = 1000
# Lines (and article texts) of at least this many characters that zlib makes more than this many
# times smaller are one thing repeated ("a.a.a…", a phrase over and over): such a line is dropped
# (`repetitive`), such an article fails (`repetitive`). Prose compresses 2-3-fold in any language;
# the most repetitive real text in the benchmarks (a calendar line, a meal plan) under 8-fold.
NEWSDEDUP_REPETITION_MIN_CHARS = 200
NEWSDEDUP_REPETITION_MAX_RATIO = 20.0

# --- Near-duplicate detection (see settings.config.DedupOptions) -----------
# Changing any of the first five makes stored signatures incomparable: the
# store refuses to mix them (see README, "Dedup parameters").
NEWSDEDUP_MINHASH_NUM_PERM = 128
NEWSDEDUP_MINHASH_SEED = 1
NEWSDEDUP_MINHASH_SCHEME = "affine32"
NEWSDEDUP_MINHASH_HASH = "xxh32"
NEWSDEDUP_SHINGLE_WORDS = 5
# LSH is indexed below the join threshold so that candidates are not missed;
# every candidate is then verified.
NEWSDEDUP_LSH_THRESHOLD = 0.3
NEWSDEDUP_NEAR_THRESHOLD = 0.7
# Every candidate is verified on a word alignment with the canonical text (pipeline/dedup/alignment.py).
# A document holding this share of a canonical text's words (or held in it at this share) is an
# update (or a teaser, excerpt or trimmed copy) of that story.
NEWSDEDUP_CONTAIN_THRESHOLD = 0.7
NEWSDEDUP_WHOLE_SHARE = 0.95
NEWSDEDUP_UPDATE_MIN_SHARE = 0.5
# ...unless what it adds is at most this many words (a note and a paragraph of news on a short
# story); a follow-up adds a story of its own around the one it quotes.
NEWSDEDUP_UPDATE_MAX_ADDED_WORDS = 120
# ...or if it opens with the canonical text, behind at most this many words (weighted as the
# shares are: a dateline, an update note, a menu that cleaning left): the whole story after its
# teaser. A follow-up that quotes a short story whole opens with a paragraph of its own.
NEWSDEDUP_UPDATE_MAX_LEAD_WORDS = 25
# A contained text (teaser, trim) aligns from near the canonical's opening (a dateline or an
# update note above it), or covers this share of it; a short story quoted further down a
# longer one is another story.
NEWSDEDUP_CONTAIN_MAX_START = 150
NEWSDEDUP_CONTAIN_MIN_COVER = 0.5
# Teasers are found by the first words of a story's first paragraphs, and of every paragraph
# that starts within SPAN words (a copy whose cleaning kept a menu or a note above the story
# still shares its opening). A key more than MAX_ARTICLES articles share (a line of boilerplate
# cleaning left on every page of an outlet) finds nothing.
NEWSDEDUP_OPENING_WORDS = 8
NEWSDEDUP_OPENING_PARAGRAPHS = 3
NEWSDEDUP_OPENING_SPAN_WORDS = 150
NEWSDEDUP_OPENING_MAX_ARTICLES = 50
# Canonical texts whose words are kept in memory during a run (syndicated stories are
# compared with many copies).
NEWSDEDUP_CANONICAL_CACHE = 4096
# A joining copy takes the canonical place when it adds a passage this long and lacks none.
NEWSDEDUP_CANONICAL_GAIN_WORDS = 25
# Aligned words count in runs this long; a difference of at most SLOT words holding other
# numbers or names is a conflict; two texts are other stories (one template) with at least
# MIN_CONFLICTS numbers differing that are over MAX_CONFLICT_SHARE of the numbers aligned, or
# with at least MIN_CONFLICTS + 1 conflicts, MAX_CONFLICTS_PER_100 per hundred matched words.
NEWSDEDUP_ALIGN_RUN_WORDS = 3
NEWSDEDUP_ALIGN_SLOT_WORDS = 4
# A rewrite moves paragraphs: the words the in-order alignment leaves on both sides are aligned
# again, this many times, and runs of at least this many words count as matched.
NEWSDEDUP_ALIGN_MOVED_WORDS = 12
NEWSDEDUP_ALIGN_MOVED_PASSES = 2
NEWSDEDUP_ALIGN_MAX_WORDS = 10_000
# What a share of aligned words leaves out counts in full only where it is prose (a line of
# PROSE_MIN_WORDS words or more that ends like a sentence); a headline list, a menu or other
# noise that cleaning left counts OTHER_WEIGHT a word. The longest passage one copy adds or
# lacks (the canonical rule) counts words of prose only.
NEWSDEDUP_ALIGN_OTHER_WEIGHT = 0.25
NEWSDEDUP_PROSE_MIN_WORDS = 12
NEWSDEDUP_MIN_CONFLICTS = 2
NEWSDEDUP_MAX_CONFLICT_SHARE = 0.5
NEWSDEDUP_MAX_CONFLICTS_PER_100 = 1.5

from settings.environment import apply_environment  # noqa: E402

apply_environment(globals())
