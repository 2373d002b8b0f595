"""pending imports (issue 16, imports in the browser): an uploaded file between preview and accept

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

- pending_imports: the uploaded file's bytes, its preview (JSON), the progress of reading it and
  its state (reading, ready, failed, accepting, accepted, cancelled). In the database so that any
  server process can show, accept or cancel it and a restart loses nothing; rows older than a day
  are deleted by core.imports.pending.
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("heartbeat_at", core.models.UTCDateTime(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_imports")),
    )
    op.create_index(op.f("ix_pending_imports_created_at"), "pending_imports", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_imports_created_at"), table_name="pending_imports")
    op.drop_table("pending_imports")
