"""hardening: callback nonces (replay guard), run-once key leases, install facts (demo marker)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_nonces',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('timestamp', core.models.UTCDateTime(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('channel', 'nonce', name=op.f('pk_callback_nonces')),
    sa.UniqueConstraint('channel', 'signature', name=op.f('uq_callback_nonces_channel'))
    )
    op.create_index(op.f('ix_callback_nonces_timestamp'), 'callback_nonces', ['timestamp'], unique=False)
    op.create_table('install_facts',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_install_facts'))
    )
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.add_column(sa.Column('owner', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('lease_until', core.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.drop_column('lease_until')
        batch.drop_column('owner')
    op.drop_table('install_facts')
    op.drop_index(op.f('ix_callback_nonces_timestamp'), table_name='callback_nonces')
    op.drop_table('callback_nonces')
