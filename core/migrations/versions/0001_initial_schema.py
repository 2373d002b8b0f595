"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('catalogue_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version'))
    )
    op.create_table('classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('class_teacher_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classes')),
    sa.UniqueConstraint('name', name=op.f('uq_classes_name'))
    )
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classes_class_teacher_id'), ['class_teacher_id'], unique=False)

    op.create_table('guardians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardians'))
    )
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardians_phone'), ['phone'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_keys'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)

    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
    sa.UniqueConstraint('name', name=op.f('uq_terms_name'))
    )
    op.create_table('titles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('isbn', sa.String(length=13), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('clc', sa.String(length=40), nullable=False),
    sa.Column('series', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('min_grade', sa.Integer(), nullable=True),
    sa.Column('max_grade', sa.Integer(), nullable=True),
    sa.Column('subjects', sa.String(length=300), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_titles'))
    )
    with op.batch_alter_table('titles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_titles_isbn'), ['isbn'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=40), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('call_number', sa.String(length=60), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('item_type', sa.Enum('general', 'teaching_reference', 'reference', 'periodical', name='itemtype', native_enum=False, length=24), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('available', 'on_loan', 'held', 'in_repair', 'lost', 'withdrawn', name='itemstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['title_id'], ['titles.id'], name=op.f('fk_items_title_id_titles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('barcode', name=op.f('uq_items_barcode'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_title_id'), ['title_id'], unique=False)

    op.create_table('readers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_no', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('reader_type', sa.Enum('teacher', 'student', 'staff', name='readertype', native_enum=False, length=24), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('active', 'card_lost', 'left', name='readerstatus', native_enum=False, length=24), nullable=False),
    sa.Column('suspended_until', sa.Date(), nullable=True),
    sa.Column('is_librarian', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_readers_class_id_classes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readers')),
    sa.UniqueConstraint('card_no', name=op.f('uq_readers_card_no'))
    )
    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readers_class_id'), ['class_id'], unique=False)

    op.create_table('guardian_students',
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_guardian_students_guardian_id_guardians')),
    sa.ForeignKeyConstraint(['student_id'], ['readers.id'], name=op.f('fk_guardian_students_student_id_readers')),
    sa.PrimaryKeyConstraint('guardian_id', 'student_id', name=op.f('pk_guardian_students'))
    )
    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('loaned_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('returned_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('lost_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('renewal_count', sa.Integer(), nullable=False),
    sa.Column('recalled_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_loans_item_id_items')),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_loans_reader_id_readers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_loaned_at'), ['loaned_at'], unique=False)
        batch_op.create_index('ix_loans_open_due', ['is_open', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_reader_id'), ['reader_id'], unique=False)
        batch_op.create_index('uq_loans_open_item', ['item_id'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))

    op.create_table('reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'ready', 'fulfilled', 'cancelled', 'expired', name='reservationstatus', native_enum=False, length=24), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('ready_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('hold_until', sa.Date(), nullable=True),
    sa.Column('closed_at', core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_reservations_item_id_items')),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_reservations_reader_id_readers')),
    sa.ForeignKeyConstraint(['title_id'], ['titles.id'], name=op.f('fk_reservations_title_id_titles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_reader_id'), ['reader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_title_id'), ['title_id'], unique=False)
        batch_op.create_index('ix_reservations_title_status', ['title_id', 'status'], unique=False)

    op.create_table('retired_cards',
    sa.Column('card_no', sa.String(length=40), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_retired_cards_reader_id_readers')),
    sa.PrimaryKeyConstraint('card_no', name=op.f('pk_retired_cards'))
    )
    with op.batch_alter_table('retired_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retired_cards_reader_id'), ['reader_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', core.models.UTCDateTime(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_audit_log_item_id_items')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_audit_log_loan_id_loans')),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_audit_log_reader_id_readers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_reader_id'), ['reader_id'], unique=False)

    op.create_table('charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('overdue', 'lost', 'damage', name='chargekind', native_enum=False, length=24), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'paid', 'waived', name='chargestatus', native_enum=False, length=24), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('settled_at', core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_charges_item_id_items')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_charges_loan_id_loans')),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_charges_reader_id_readers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charges'))
    )
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charges_reader_id'), ['reader_id'], unique=False)

    op.create_table('renewals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('renewed_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('old_due', sa.Date(), nullable=False),
    sa.Column('new_due', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_renewals_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewals'))
    )
    with op.batch_alter_table('renewals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewals_loan_id'), ['loan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('renewals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewals_loan_id'))

    op.drop_table('renewals')
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charges_reader_id'))

    op.drop_table('charges')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_reader_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    with op.batch_alter_table('retired_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retired_cards_reader_id'))

    op.drop_table('retired_cards')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_title_status')
        batch_op.drop_index(batch_op.f('ix_reservations_title_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_reader_id'))

    op.drop_table('reservations')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('uq_loans_open_item', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_index(batch_op.f('ix_loans_reader_id'))
        batch_op.drop_index('ix_loans_open_due')
        batch_op.drop_index(batch_op.f('ix_loans_loaned_at'))
        batch_op.drop_index(batch_op.f('ix_loans_item_id'))
        batch_op.drop_index(batch_op.f('ix_loans_due_date'))

    op.drop_table('loans')
    op.drop_table('guardian_students')
    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_readers_class_id'))

    op.drop_table('readers')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_title_id'))
        batch_op.drop_index(batch_op.f('ix_items_status'))

    op.drop_table('items')
    with op.batch_alter_table('titles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_titles_isbn'))

    op.drop_table('titles')
    op.drop_table('terms')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardians_phone'))

    op.drop_table('guardians')
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classes_class_teacher_id'))

    op.drop_table('classes')
    op.drop_table('catalogue_version')
    op.drop_table('calendar_days')
