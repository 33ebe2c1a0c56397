"""Full-text search: one query syntax, SQLite FTS5 or a PostgreSQL ``tsvector`` behind it.

Query syntax (the same on both databases)::

    schoigu kim            both words (AND is implied; writing it is allowed)
    "roter platz"          the words in this order
    schoigu OR lawrow      either
    kim -putin             kim, without putin (also: kim NOT putin)
    krieg*                 words starting with "krieg"
    (schoigu OR lawrow) nordkorea

Words are matched case-insensitively and without accents; on PostgreSQL also by
their stem in the article's language (German, English, French, Spanish, Italian).
Operators are upper case; ``and``, ``or`` and ``not`` in lower case are words. A
word made of several parts (``Kim-Jong``) is searched as a phrase. NOT narrows what
the other words find, so a query needs at least one word that is not negated.

The query is parsed here into a tree and written out for the database (an FTS5
expression or a ``tsquery``) from its words, which are letters and digits only;
the result is passed as a bound parameter. No input reaches SQL as SQL.

Indexes:

- SQLite: the FTS5 table ``articles_fts`` (article id, title, text; accents
  folded), kept in sync with ``articles`` by triggers, and ``articles_fts_rows``,
  which FTS row holds which article (so that an update finds its row by rowid);
- PostgreSQL: the generated column ``articles.search_vector`` (title weighted above
  the text, each article in its language's configuration) and a GIN index on it.

:func:`ensure_search_index` creates them (and fills them for existing articles): the
schema's migration 0002, and :mod:`pipeline.schema` for a new database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from pipeline.errors import QueryError

# language code -> PostgreSQL text search configuration (others: 'simple')
PG_CONFIGS = {"de": "german", "en": "english", "fr": "french", "es": "spanish", "it": "italian",
              "nl": "dutch", "pt": "portuguese", "sv": "swedish", "da": "danish", "no": "norwegian",
              "fi": "finnish", "ru": "russian", "hu": "hungarian", "ro": "romanian", "tr": "turkish"}
SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS = "⟦", "⟧", "…"  # rare in news text, unlike « »
SNIPPET_WORDS = 24
TITLE_WEIGHT = 10.0  # SQLite bm25: a word in the title counts this much more than in the text


# --- the query language --------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A word (one part), a phrase (several), or a prefix (its last part ends with ``*``)."""

    parts: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or
_TOKEN = re.compile(r'\s*(?:(?P<phrase>"[^"]*"?)|(?P<open>\()|(?P<close>\))|(?P<minus>-(?=[^\s)]))|(?P<word>[^\s()"]+))')
_PARTS = re.compile(r"\w+")
MAX_QUERY_CHARS = 500


def parse_query(query: str) -> Node:
    """The query as a tree; :class:`QueryError` with a clear message if it cannot be read."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query)} characters long; at most {MAX_QUERY_CHARS}")
    tokens = _tokens(query)
    if not tokens:
        raise QueryError("the query is empty: give at least one word")
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.pos < len(tokens):
        kind, value = tokens[parser.pos]
        raise QueryError(f"unexpected {value!r}" + (" (no '(' before it)" if kind == "close" else ""))
    _check_positive(node)
    return node


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:  # only trailing spaces remain
            break
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "phrase" and (len(value) < 2 or not value.endswith('"')):
            raise QueryError(f"the quote before {value[1:20]!r} is never closed")
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            if self.peek() in (None, "close", "or", "and"):
                raise QueryError("OR needs a word on both sides")
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes = [self.unary()]
        while self.peek() not in (None, "close", "or"):
            if self.peek() == "and":
                self.take()
                if self.peek() in (None, "close", "or", "and"):
                    raise QueryError("AND needs a word on both sides")
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        if self.peek() in ("not", "minus"):
            self.take()
            if self.peek() in (None, "close", "or", "and"):
                raise QueryError("NOT (or -) needs a word after it")
            return Not(self.unary())
        return self.atom()

    def atom(self) -> Node:
        if self.peek() is None:
            raise QueryError("the query ends where a word was expected")
        kind, value = self.take()
        if kind == "open":
            node = self.or_expr()
            if self.peek() != "close":
                raise QueryError("a '(' is never closed")
            self.take()
            return node
        if kind == "close":
            raise QueryError("unexpected ')' (nothing between the brackets, or no '(' before it)")
        if kind in ("and", "or"):
            raise QueryError(f"{value} needs a word on both sides")
        prefix = kind == "word" and value.endswith("*")
        parts = tuple(p.lower() for p in _PARTS.findall(value))
        if not parts:
            raise QueryError(f"{value!r} has no letters or digits to search for")
        return Term(parts, prefix)


def _check_positive(node: Node) -> None:
    """NOT only narrows: the query, and each side of an OR, must find something by itself."""
    if not _finds(node):
        raise QueryError("a query needs a word that is not negated: NOT (or -) only narrows what the "
                         "other words find")


def _finds(node: Node) -> bool:
    """Whether ``node`` finds articles by itself (a negation does not); raises on misuse."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        if not _finds(node.node):
            raise QueryError("NOT of a negation: write the word itself")
        return False
    found = [_finds(child) for child in node.nodes]
    if isinstance(node, Or) and not all(found):
        raise QueryError("each side of OR must find something by itself (NOT only narrows)")
    return any(found)


def to_fts5(node: Node) -> str:
    """The query as an FTS5 expression (words quoted; NOT written as FTS5's binary NOT)."""
    if isinstance(node, Term):
        quoted = '"' + " ".join(node.parts) + '"'
        return quoted + ("*" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(n) for n in node.nodes) + ")"
    if isinstance(node, And):
        positive = [to_fts5(n) for n in node.nodes if not isinstance(n, Not)]
        negative = [to_fts5(n.node) for n in node.nodes if isinstance(n, Not)]
        out = "(" + " AND ".join(positive) + ")"
        return "(" + out + "".join(f" NOT {n}" for n in negative) + ")" if negative else out
    raise QueryError("NOT (or -) needs a word that is not negated next to it")


def to_tsquery(node: Node) -> str:
    """The query as ``to_tsquery`` input: quoted lexemes, ``<->`` for phrases, ``:*`` prefixes."""
    if isinstance(node, Term):
        lexemes = [f"'{p}'" for p in node.parts]
        if node.prefix:
            lexemes[-1] += ":*"
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"
    if isinstance(node, Not):
        return "!" + to_tsquery(node.node)
    joiner = " | " if isinstance(node, Or) else " & "
    return "(" + joiner.join(to_tsquery(n) for n in node.nodes) + ")"


def terms(node: Node) -> list[Term]:
    """The positive terms of a query (for highlighting)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for child in node.nodes for t in terms(child)]


# --- the indexes ---------------------------------------------------------------------------

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "article_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')",
    # which FTS row holds which article: FTS5 can only find its rows fast by rowid
    "CREATE TABLE IF NOT EXISTS articles_fts_rows (article_id TEXT PRIMARY KEY, fts_rowid INTEGER NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts (article_id, title, text) VALUES (new.id, new.title, new.text); "
    "INSERT INTO articles_fts_rows (article_id, fts_rowid) VALUES (new.id, last_insert_rowid()); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN "
    "UPDATE articles_fts SET title = new.title, text = new.text "
    "WHERE rowid = (SELECT fts_rowid FROM articles_fts_rows WHERE article_id = old.id); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
    "DELETE FROM articles_fts WHERE rowid = (SELECT fts_rowid FROM articles_fts_rows WHERE article_id = old.id); "
    "DELETE FROM articles_fts_rows WHERE article_id = old.id; END",
]


def pg_config_sql(language_column: str) -> str:
    """SQL choosing an article's text search configuration from its language code."""
    cases = " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in PG_CONFIGS.items())
    return f"(CASE {language_column} {cases} ELSE 'simple'::regconfig END)"


def ensure_search_index(bind: Engine | Connection) -> None:
    """Create the full-text index of ``articles`` if it is missing, and fill it (idempotent).
    Run by the schema's migration 0002 and when a new database is created."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            ensure_search_index(conn)
        return
    if bind.dialect.name == "sqlite":
        _sqlite_index(bind)
    elif bind.dialect.name == "postgresql":
        _pg_index(bind)


def drop_search_index(conn: Connection) -> None:
    """Remove the full-text index (migration 0002's downgrade)."""
    if conn.dialect.name == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text("DROP TABLE IF EXISTS articles_fts"))
        conn.execute(text("DROP TABLE IF EXISTS articles_fts_rows"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text("DROP INDEX IF EXISTS ix_articles_search"))
        conn.execute(text("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector"))


def _sqlite_index(conn: Connection) -> None:
    exists = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'")).first()
    for ddl in _SQLITE_DDL:
        conn.execute(text(ddl))
    if not exists:  # a database made before the index: index what it holds
        conn.execute(text("INSERT INTO articles_fts (article_id, title, text) SELECT id, title, text FROM articles"))
        conn.execute(text("INSERT INTO articles_fts_rows (article_id, fts_rowid) SELECT article_id, rowid "
                          "FROM articles_fts"))


def _pg_index(conn: Connection) -> None:
    """Adding the column rewrites the table once (slow on a large one); later opens only look."""
    has_column = conn.execute(text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'articles' AND column_name = 'search_vector'")).first()
    if not has_column:  # a generated column: PostgreSQL keeps it in sync (and fills it now)
        cfg = pg_config_sql("language")
        conn.execute(text(
            "ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector({cfg}, coalesce(title, '')), 'A') || "
            f"setweight(to_tsvector({cfg}, coalesce(text, '')), 'B')) STORED"))
    has_index = conn.execute(text("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
                                  "AND indexname = 'ix_articles_search'")).first()
    if not has_index:  # looked up first: CREATE INDEX would lock the table even when it exists
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING GIN (search_vector)"))
