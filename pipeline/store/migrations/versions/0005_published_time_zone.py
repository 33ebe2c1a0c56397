"""A published time keeps its time zone (issue 17).

Adds ``articles.published_offset``: the time zone of ``published``, in minutes east of UTC, where
the page gave one (an HTML page's ``article:published_time`` "2024-05-01T08:15:00+02:00": 120).
``published`` stays the local time the page printed; rows stored before keep theirs, with no
zone.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("published_offset", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("published_offset")
