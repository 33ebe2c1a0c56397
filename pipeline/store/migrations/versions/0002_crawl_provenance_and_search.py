"""Crawl provenance (the ``fetches`` table) and the full-text index (issues 5 and 6).

Adds ``fetches`` (HTTP status, canonical URL, the page that linked it, validators of a
crawled page), and the search index: SQLite's ``articles_fts`` with its triggers, or
PostgreSQL's generated ``articles.search_vector`` with a GIN index, filled from the articles
already stored. On PostgreSQL, adding the column rewrites ``articles`` once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipeline.store.fulltext import drop_search_index, ensure_search_index

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("fetches"):
        op.create_table(
            "fetches",
            sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), primary_key=True),
            sa.Column("status", sa.Integer, nullable=False),
            sa.Column("canonical_url", sa.Text),
            sa.Column("found_in", sa.Text),
            sa.Column("etag", sa.Text),
            sa.Column("last_modified", sa.Text),
        )
    ensure_search_index(op.get_bind())


def downgrade() -> None:
    drop_search_index(op.get_bind())
    op.drop_table("fetches")
