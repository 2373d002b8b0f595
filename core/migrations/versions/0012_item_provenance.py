"""item provenance: accession number (登录号), source (采购/捐赠) and donor of each copy

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

Other systems' exports carry a copy's accession number beside its barcode, and school libraries
count donated books apart (捐赠登记). Imports used to drop these columns; they are kept now.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("accession_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("donor", sa.String(length=100), nullable=False, server_default=""))
    op.create_index("ix_items_accession_number", "items", ["accession_number"])


def downgrade() -> None:
    op.drop_index("ix_items_accession_number", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("donor")
        batch.drop_column("source")
        batch.drop_column("accession_number")
