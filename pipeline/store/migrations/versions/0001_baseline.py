"""Baseline: the schema of newsdedup before migrations (articles, provenance, runs, failures,
article_openings, recurring_lines).

A database made before migrations existed holds exactly this; ``newsdedup db upgrade`` marks it
as 0001 and applies what follows.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("published", sa.DateTime),
        sa.Column("language", sa.String(8)),
        sa.Column("credits", sa.JSON, nullable=False),
        sa.Column("outlet", sa.Text),
        sa.Column("canonical_uri", sa.Text, nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("signature_params", sa.Text, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_articles_text_hash", "articles", ["text_hash"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("new_articles", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
    )
    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(16), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer),
        sa.Column("mtime", sa.DateTime),
        sa.Column("encoding", sa.String(32)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("credits", sa.JSON, nullable=False),
        sa.Column("outlet", sa.Text),
        sa.UniqueConstraint("uri", "content_sha256", name="uq_provenance_uri_sha"),
    )
    op.create_index("ix_provenance_article_id", "provenance", ["article_id"])
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_failures_run_id", "failures", ["run_id"])
    op.create_table(
        "article_openings",
        sa.Column("article_id", sa.String(16), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("key", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "key"),
    )
    op.create_table(
        "recurring_lines",
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line_hash", sa.String(16), nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("source", "line_hash"),
    )


def downgrade() -> None:
    for table in ("recurring_lines", "article_openings", "failures", "provenance", "runs", "articles"):
        op.drop_table(table)
