"""Full-text search: one query syntax, SQLite FTS5 or a PostgreSQL ``tsvector`` behind it.

Query syntax (the same on both databases)::

    schoigu kim            both words (AND is implied; writing it is allowed)
    "roter platz"          the words in this order
    schoigu OR lawrow      either
    kim -putin             kim, without putin (also: kim NOT putin)
    krieg*                 words starting with "krieg"
    (schoigu OR lawrow) nordkorea

Words are matched case-insensitively and without accents; on PostgreSQL also by
their stem in the article's language (German, English, French, Spanish, Italian). A stop
word of an article's language is not searched in it, on both databases
(:func:`without_stopwords`; the lists are PostgreSQL's, in ``pipeline/data/stopwords/``).
Operators are upper case; ``and``, ``or`` and ``not`` in lower case are words. A
word made of several parts (``Kim-Jong``) is searched as a phrase. NOT narrows what
the other words find, so a query needs at least one word that is not negated. A query
has at most ``MAX_QUERY_CHARS`` characters and brackets nested at most ``MAX_QUERY_DEPTH``
deep; NOT of a NOT is refused as it is read (so nothing recurses without bound).

The query is parsed here into a tree and written out for the database (an FTS5
expression or a ``tsquery``) from its words, which are letters and digits only;
the result is passed as a bound parameter. No input reaches SQL as SQL.

The indexes it reads (SQLite FTS5, a PostgreSQL ``tsvector``) are made by
:mod:`pipeline.store.fulltext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import QueryError

SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS = "⟦", "⟧", "…"  # rare in news text, unlike « »
SNIPPET_WORDS = 24
TITLE_WEIGHT = 10.0  # SQLite bm25: a word in the title counts this much more than in the text


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
MAX_QUERY_DEPTH = 32  # brackets inside brackets: deeper is refused (the parser and the databases recurse)


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
        self.depth = 0  # brackets open around the current token

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
            if self.peek() in ("not", "minus"):  # refused here, not after recursing once per NOT
                raise QueryError("NOT of a negation: write the word itself")
            return Not(self.unary())
        return self.atom()

    def atom(self) -> Node:
        if self.peek() is None:
            raise QueryError("the query ends where a word was expected")
        kind, value = self.take()
        if kind == "open":
            self.depth += 1
            if self.depth > MAX_QUERY_DEPTH:
                raise QueryError(f"brackets are nested more than {MAX_QUERY_DEPTH} deep")
            node = self.or_expr()
            self.depth -= 1
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


def without_stopwords(node: Node, stopwords: frozenset[str], fold: Callable[[str], str]) -> Node | None:
    """The query as it reads in an article of a language whose stop words are ``stopwords``
    (compared after ``fold``): a stop word is not searched, as PostgreSQL's index does not hold
    it. A word or prefix that is one is left out; a phrase loses its leading and trailing ones
    (inner ones stay: both databases then find the phrase as written); NOT of what is left out
    narrows nothing; and what keeps no word that is not negated finds nothing (``None``)."""
    if not stopwords:
        return node
    if isinstance(node, Term):
        start, end = 0, len(node.parts)
        while start < end and fold(node.parts[start]) in stopwords:
            start += 1
        while end > start and fold(node.parts[end - 1]) in stopwords:
            end -= 1
        if start == end:
            return None
        return Term(node.parts[start:end], node.prefix and end == len(node.parts))
    if isinstance(node, Not):
        inner = without_stopwords(node.node, stopwords, fold)
        return None if inner is None else Not(inner)
    kept = [k for k in (without_stopwords(n, stopwords, fold) for n in node.nodes) if k is not None]
    if isinstance(node, And):
        kept_positive = [k for k in kept if not isinstance(k, Not)]
        if not kept_positive:
            return None
        return kept[0] if len(kept) == 1 else And(tuple(kept))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Or(tuple(kept))


def terms(node: Node) -> list[Term]:
    """The positive terms of a query (for highlighting)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for child in node.nodes for t in terms(child)]
