"""activities.place: where an activity happens (issue 16, notices and activities)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

- activities.place: the place the librarian types with the activity (图书室, 阅览室, 操场); shown in the
  console and in the push text beside the date. "" for activities recorded before (the text then
  reads as it always did).
- ix_outbound_ref: outbound_messages by `ref` (an activity's notices are `activity:<id>`), so the
  console's "who did it reach" page reads one activity's rows, not the whole outbox.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("place", sa.String(length=40), nullable=False, server_default=""))
    op.create_index("ix_outbound_ref", "outbound_messages", ["ref"])


def downgrade() -> None:
    op.drop_index("ix_outbound_ref", table_name="outbound_messages")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("place")
