"""conversations: the open question per external user id (JSON state with an expiry)

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_states',
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_conversation_states'))
    )
    op.create_index(op.f('ix_conversation_states_expires_at'), 'conversation_states', ['expires_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_conversation_states_expires_at'), table_name='conversation_states')
    op.drop_table('conversation_states')
