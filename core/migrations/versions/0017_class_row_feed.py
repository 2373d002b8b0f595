"""class row feed: a change to a class row names ("class", id)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

A class's 图书角 (the copies it borrowed as a class, core.circulation.collections.class_collection)
is now kept in memory and shows the class's name. 0008 names the class's readers and class teacher
when a class row changes, but a class with no reader left in it and no class teacher named nobody,
so a renamed class kept its old name in memory. This trigger adds ("class", id) after any insert,
update or delete of a class row (and the old id when the id changes).
Self-contained like every migration: it must keep working whatever later code does.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_INSERT = "INSERT INTO change_feed (topic, ref) SELECT 'class', CAST({row}.id AS TEXT);"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION feed_class_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"IF TG_OP <> 'INSERT' THEN {_INSERT.format(row='OLD')} END IF; "
                   f"IF TG_OP <> 'DELETE' THEN {_INSERT.format(row='NEW')} END IF; "
                   "RETURN NULL; END $$")
        op.execute("CREATE TRIGGER feed_class_rows AFTER INSERT OR UPDATE OR DELETE ON classes "
                   "FOR EACH ROW EXECUTE FUNCTION feed_class_rows()")
        return
    op.execute(f"CREATE TRIGGER feed_class_rows_insert AFTER INSERT ON classes BEGIN {_INSERT.format(row='NEW')} END")
    op.execute("CREATE TRIGGER feed_class_rows_update AFTER UPDATE ON classes BEGIN "
               f"{_INSERT.format(row='NEW')} {_INSERT.format(row='OLD')} END")
    op.execute(f"CREATE TRIGGER feed_class_rows_delete AFTER DELETE ON classes BEGIN {_INSERT.format(row='OLD')} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS feed_class_rows ON classes")
        op.execute("DROP FUNCTION IF EXISTS feed_class_rows()")
        return
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS feed_class_rows_{event}")
