"""class-level library work (issue 15): the class borrowing rota, class borrowers, manual suspension
with a reason, a copy's recorded condition

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

- class_rota: a class's borrowing turn (借阅轮流表), one row per weekday and window; every_weeks = 2
  with first_week (a Monday) for 隔周借阅.
- readers.suspension_reason: why borrowing is suspended (取消其借书资格); manual suspensions use
  suspended_until as before (a far date for "until lifted"). Class borrowers (集体借阅) are readers of
  reader_type "class" (a non-native enum: no DDL).
- items.condition_note: damage already on a copy (缺页, 污损, 加记印章), recorded at checkout or at the
  desk, so the next reader is not charged for it on return.
Theft penalties are charges of kind "theft" (a non-native enum: no DDL).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_rota",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("class_id", sa.Integer(), sa.ForeignKey("classes.id"), nullable=False, index=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.String(length=5), nullable=False),
        sa.Column("ends", sa.String(length=5), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_week", sa.Date(), nullable=True),
        sa.Column("place", sa.String(length=40), nullable=False, server_default=""),
        sa.UniqueConstraint("class_id", "weekday", "starts", name="uq_class_rota_turn"),
    )
    with op.batch_alter_table("readers") as batch:
        batch.add_column(sa.Column("suspension_reason", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("condition_note", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("condition_note")
    with op.batch_alter_table("readers") as batch:
        batch.drop_column("suspension_reason")
    op.drop_table("class_rota")
