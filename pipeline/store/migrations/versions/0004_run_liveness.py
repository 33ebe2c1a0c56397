"""Runs say where they ran and why they failed (issue 13).

Adds ``runs.host`` and ``runs.pid`` (a run left ``running`` by a dead process is marked
``abandoned`` by the next command that writes; before, only crawl runs carried them, as
``host=``/``pid=`` labels in ``runs.args``, which this revision copies over) and
``runs.error`` (the reason a ``failed`` run stopped).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_runs = sa.table("runs", sa.column("id", sa.Integer), sa.column("args", sa.JSON),
                 sa.column("host", sa.Text), sa.column("pid", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("host", sa.Text, nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer, nullable=True))
        batch.add_column(sa.Column("error", sa.Text, nullable=True))
    conn = op.get_bind()
    for run_id, args in conn.execute(sa.select(_runs.c.id, _runs.c.args)).all():
        labels = dict(a.split("=", 1) for a in (args or []) if isinstance(a, str) and "=" in a)
        if "host" in labels and labels.get("pid", "").isdigit():
            conn.execute(_runs.update().where(_runs.c.id == run_id)
                         .values(host=labels["host"], pid=int(labels["pid"])))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("error")
        batch.drop_column("pid")
        batch.drop_column("host")
