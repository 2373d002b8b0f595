"""librarian: import batches, inventory sessions and scans, weeding records

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('at', core.models.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_index(op.f('ix_import_batches_sha256'), 'import_batches', ['sha256'], unique=False)
    op.create_table('inventory_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('started_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('closed_at', core.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_sessions'))
    )
    op.create_table('inventory_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=40), nullable=False),
    sa.Column('shelf', sa.String(length=100), nullable=False),
    sa.Column('scanned_at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['inventory_sessions.id'],
                            name=op.f('fk_inventory_scans_session_id_inventory_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_scans')),
    sa.UniqueConstraint('session_id', 'barcode', name='uq_inventory_scans_session_barcode')
    )
    op.create_table('weeding_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('call_number', sa.String(length=60), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('previous_status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.Column('batch', sa.String(length=100), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_weeding_records_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weeding_records'))
    )
    op.create_index(op.f('ix_weeding_records_at'), 'weeding_records', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_weeding_records_at'), table_name='weeding_records')
    op.drop_table('weeding_records')
    op.drop_table('inventory_scans')
    op.drop_table('inventory_sessions')
    op.drop_index(op.f('ix_import_batches_sha256'), table_name='import_batches')
    op.drop_table('import_batches')
