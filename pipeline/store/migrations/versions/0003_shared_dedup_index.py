"""The dedup index in the database, shared by several workers (issue 7).

Adds ``article_bands`` (the LSH band keys of each canonical text, :mod:`pipeline.dedup.bands`),
``index_state`` (with which parameters they were built) and an index on
``article_openings.key``. The bands are derived from the stored signatures:
``newsdedup db upgrade`` builds them after this revision (``newsdedup index rebuild`` does it
by hand).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_bands",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.String(16), sa.ForeignKey("articles.id"), nullable=False),
        sa.PrimaryKeyConstraint("key", "article_id"),
    )
    op.create_index("ix_article_bands_article_id", "article_bands", ["article_id"])
    op.create_table(
        "index_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("built_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_article_openings_key", "article_openings", ["key"])


def downgrade() -> None:
    op.drop_index("ix_article_openings_key", "article_openings")
    op.drop_table("index_state")
    op.drop_index("ix_article_bands_article_id", "article_bands")
    op.drop_table("article_bands")
