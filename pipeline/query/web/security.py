"""What the web view sends and answers besides its pages: security headers, HEAD, trusted hosts.

- Every response carries a Content-Security-Policy that allows nothing but the view's own
  inline style sheet (by its hash) and links to itself, no scripts, no frames around it;
  ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
  ``Referrer-Policy: no-referrer`` for browsers that read those.
- HEAD is answered as GET without the body (FastAPI's routes answer only the methods they
  name, so HEAD got 405).
- The Host header must name one of the allowed hosts (Starlette's TrustedHostMiddleware,
  added by :func:`pipeline.query.web.app.create_app`), so that a page on a name someone else
  controls cannot reach the view by pointing that name at 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
ASGIApp = Any

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def content_security_policy(templates: Path) -> str:
    """The policy: the inline ``<style>`` of every template allowed by its SHA-256, nothing else."""
    hashes = []
    for template in sorted(templates.glob("*.html")):
        for css in _STYLE.findall(template.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
            hashes.append(f"'sha256-{digest}'")
    return ("default-src 'none'; style-src " + (" ".join(hashes) or "'none'") + "; img-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def security_headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-security-policy", policy.encode("ascii")), (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]


class SecurityHeaders:
    """ASGI middleware: adds :func:`security_headers` to every response (errors included)."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.headers = security_headers(policy)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in self.headers}

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + self.headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """ASGI middleware: a HEAD request is served as GET, with the headers and without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
