"""merge notices, librarian and conversations

Revision ID: 0007
Revises: 0004, 0005, 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0007'
down_revision = ('0004', '0005', '0006')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
