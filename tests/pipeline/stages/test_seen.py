"""The seen stage skips what is already stored."""

from __future__ import annotations

import pytest

from pipeline.context import RunContext
from pipeline.errors import DocumentSkipped
from pipeline.items import Document
from pipeline.stages.seen import SeenStage
from pipeline.store.models import Article, Provenance, utcnow


def test_skips_same_uri_and_content_only(ctx: RunContext) -> None:
    ctx.open()
    ctx.session.add(Article(id="a", title="t", text="x", canonical_uri="u", text_hash="h", word_count=1,
                            signature=b"", signature_params="p"))
    ctx.session.add(Provenance(article_id="a", uri="file:///a.txt", fetched_at=utcnow(), content_sha256="s1",
                               title="t", similarity=1.0, relation="original"))
    ctx.session.flush()
    stage = SeenStage(ctx)
    with pytest.raises(DocumentSkipped) as info:
        stage.process(Document(uri="file:///a.txt", sha256="s1"))
    assert info.value.reason == "already-ingested"
    assert stage.process(Document(uri="file:///a.txt", sha256="s2")).sha256 == "s2"  # changed content
    assert stage.process(Document(uri="file:///b.txt", sha256="s1")).uri == "file:///b.txt"  # other place
    assert stage.process(Document(uri="file:///c.txt", error=("missing", "x"))).error  # decode fails it
