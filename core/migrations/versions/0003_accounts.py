"""accounts: bindings of external user ids, one-time binding codes, binding attempts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=True),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_account_bindings_reader_id_readers')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'],
                            name=op.f('fk_account_bindings_guardian_id_guardians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_bindings'))
    )
    with op.batch_alter_table('account_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_bindings_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_bindings_reader_id'), ['reader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_bindings_guardian_id'), ['guardian_id'], unique=False)
    op.create_table('binding_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('for_guardian', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('used_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('issued_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_binding_codes_reader_id_readers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_codes'))
    )
    with op.batch_alter_table('binding_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_codes_reader_id'), ['reader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_binding_codes_code_hash'), ['code_hash'], unique=False)
    op.create_table('binding_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', core.models.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('card_no', sa.String(length=40), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_attempts'))
    )
    with op.batch_alter_table('binding_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_attempts_at'), ['at'], unique=False)
        batch_op.create_index('ix_binding_attempts_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_binding_attempts_card_at', ['card_no', 'at'], unique=False)


def downgrade() -> None:
    op.drop_table('binding_attempts')
    op.drop_table('binding_codes')
    op.drop_table('account_bindings')
