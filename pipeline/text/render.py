"""Render an HTML page as a reader's select-all-and-copy gives it: the visible text, one block per line.

``newsdedup clean --explain`` shows with it what trafilatura left out of an HTML page, and the
benchmarks paste their pages with it.

An approximation of the browser's ``innerText``: no script, style, template or
``<head>``; nothing hidden (``hidden``, ``display:none``, ``visibility:hidden``);
``<noscript>`` is left out, as in a browser with JavaScript on; block elements
start new lines, paragraphs and headings get a blank line around them,
``<br>`` breaks lines, table cells are separated by tabs; white space is
collapsed except in ``<pre>``.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_SKIP = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object",
         "embed", "svg", "math", "canvas", "audio", "video", "source", "track", "map", "area", "input",
         "select", "textarea", "datalist"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
          "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
          "html", "legend", "li", "listing", "main", "menu", "nav", "ol", "plaintext", "section",
          "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "xmp", "caption", "option"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\n\r\f]+")


def _walk(el: etree._Element, out: list[str | int], pre: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    if not tag or tag in _SKIP or el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""):
        if el.tail:
            out.append(el.tail if pre else _SPACE.sub(" ", el.tail))
        return
    breaks = 2 if tag in _PARAGRAPH else 1 if tag in _BLOCK else 0
    if breaks:
        out.append(breaks)
    if tag == "br":
        out.append("\n")
    if tag in ("td", "th"):
        out.append("\t")
    inner_pre = pre or tag == "pre"
    if el.text:
        out.append(el.text if inner_pre else _SPACE.sub(" ", el.text))
    for child in el:
        _walk(child, out, inner_pre)
    if breaks:
        out.append(breaks)
    if el.tail:
        out.append(el.tail if pre else _SPACE.sub(" ", el.tail))


def render_text(html: str) -> str:
    """The visible text of ``html``, blocks on their own lines."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    body = root.find("body")
    out: list[str | int] = []
    _walk(body if body is not None else root, out, False)
    text: list[str] = []
    pending = 0
    for piece in out:
        if isinstance(piece, int):
            pending = max(pending, piece)
            continue
        if pending and text:
            text.append("\n" * pending)
        pending = 0
        text.append(piece)
    lines = [re.sub(r"[ \t]*\t[ \t]*", "\t", ln).strip(" \t") for ln in "".join(text).split("\n")]
    # White space between blocks collapses in a browser: at most one blank line between blocks.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
