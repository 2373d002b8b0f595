"""notices: outbox status/topic/ref/audience/batch, shared tokens, job locks, unreachable users,
unsubscribed topics, activities

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('topic', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ref', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('audience', sa.String(length=12), server_default='', nullable=False))
        batch_op.add_column(sa.Column('batch', sa.String(length=60), server_default='', nullable=False))
    # rows written before this revision: finished ones are sent or failed
    op.execute("UPDATE outbound_messages SET status = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbound_messages SET status = 'failed' WHERE failed_at IS NOT NULL AND sent_at IS NULL")
    op.create_table('shared_tokens',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token', sa.String(length=600), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('refreshing_until', core.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_shared_tokens'))
    )
    op.create_table('job_locks',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_locks'))
    )
    op.create_table('unreachable_users',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('since', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'user_id', name=op.f('pk_unreachable_users'))
    )
    op.create_table('unsubscribed_topics',
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('since', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'topic', name=op.f('pk_unsubscribed_topics'))
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('grades', sa.String(length=60), nullable=False),
    sa.Column('classes', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('announce_from', core.models.UTCDateTime(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )


def downgrade() -> None:
    op.drop_table('activities')
    op.drop_table('unsubscribed_topics')
    op.drop_table('unreachable_users')
    op.drop_table('job_locks')
    op.drop_table('shared_tokens')
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        for name in ('batch', 'audience', 'ref', 'topic', 'status'):
            batch_op.drop_column(name)
