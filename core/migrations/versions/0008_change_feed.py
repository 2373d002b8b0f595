"""change feed: triggers record whose data changed, for the in-memory read model

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Triggers, not application code, write the feed: every path that changes a loan, a reader, a
binding, ... (services, imports, the desk, a librarian's SQL) is seen, on SQLite and PostgreSQL.
Each row says what to forget: ("reader", id), ("user", openid), ("guardian", id), ("conv", openid),
("unreach", openid), ("version", counter id).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (trigger name, table, key columns, columns whose update counts (None: any), SELECTs of (topic, ref)
# for {row}). {row} is NEW after an insert or update and OLD after a delete, or after an update that
# changed a key column (only then does the old row name something else).
_READERS_OF_OPEN_LOANS_ON_ITEM = "SELECT 'reader', CAST(reader_id AS TEXT) FROM loans WHERE item_id = {row}.id AND is_open"
FEEDS = [
    ("loans", "loans", ["reader_id"], None, ["SELECT 'reader', CAST({row}.reader_id AS TEXT)"]),
    ("readers", "readers", ["id"], None, ["SELECT 'reader', CAST({row}.id AS TEXT)"]),
    ("bindings", "account_bindings", ["user_id"], None, ["SELECT 'user', {row}.user_id"]),
    ("guardians", "guardian_students", ["guardian_id"], None,
     ["SELECT 'guardian', CAST({row}.guardian_id AS TEXT)"]),
    ("classes", "classes", ["id", "class_teacher_id"], None, [
        "SELECT 'reader', CAST({row}.class_teacher_id AS TEXT) WHERE {row}.class_teacher_id IS NOT NULL",
        "SELECT 'reader', CAST(id AS TEXT) FROM readers WHERE class_id = {row}.id"]),
    ("titles", "titles", [], ["title"], [
        "SELECT 'reader', CAST(l.reader_id AS TEXT) FROM loans l JOIN items i ON i.id = l.item_id "
        "WHERE i.title_id = {row}.id AND l.is_open"]),
    ("items", "items", [], ["title_id", "barcode", "price_fen"], [_READERS_OF_OPEN_LOANS_ON_ITEM]),
    ("conversations", "conversation_states", ["user_id"], None, ["SELECT 'conv', {row}.user_id"]),
    ("unreachable", "unreachable_users", ["user_id"], None, ["SELECT 'unreach', {row}.user_id"]),
    ("versions", "catalogue_version", ["id"], None, ["SELECT 'version', CAST({row}.id AS TEXT)"]),
]


def _inserts(selects, row):
    return " ".join(f"INSERT INTO change_feed (topic, ref) {s.format(row=row)};" for s in selects)


def _sqlite_triggers(name, table, keys, columns, selects):
    if columns is not None:  # only edits of these columns matter, and they never move the row
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        yield (f"CREATE TRIGGER feed_{name}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
               f"WHEN {changed} BEGIN {_inserts(selects, 'NEW')} END")
        return
    moved = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in keys)
    yield f"CREATE TRIGGER feed_{name}_insert AFTER INSERT ON {table} BEGIN {_inserts(selects, 'NEW')} END"
    yield f"CREATE TRIGGER feed_{name}_update AFTER UPDATE ON {table} BEGIN {_inserts(selects, 'NEW')} END"
    yield (f"CREATE TRIGGER feed_{name}_moved AFTER UPDATE ON {table} WHEN {moved} "
           f"BEGIN {_inserts(selects, 'OLD')} END")
    yield f"CREATE TRIGGER feed_{name}_delete AFTER DELETE ON {table} BEGIN {_inserts(selects, 'OLD')} END"


def _postgresql_triggers(name, table, keys, columns, selects):
    moved = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in keys) or "FALSE"
    yield (f"CREATE FUNCTION feed_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({moved})) THEN {_inserts(selects, 'OLD')} END IF; "
           f"IF TG_OP <> 'DELETE' THEN {_inserts(selects, 'NEW')} END IF; "
           "RETURN NULL; END $$")
    if columns is None:
        yield (f"CREATE TRIGGER feed_{name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION feed_{name}()")
    else:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        yield (f"CREATE TRIGGER feed_{name} AFTER UPDATE OF {', '.join(columns)} ON {table} "
               f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION feed_{name}()")


def upgrade() -> None:
    op.create_table(
        'change_feed',
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint('seq'),
        sqlite_autoincrement=True,  # SQLite never reuses a seq, even after the newest rows are purged
    )
    dialect = op.get_bind().dialect.name
    triggers = _postgresql_triggers if dialect == "postgresql" else _sqlite_triggers
    for feed in FEEDS:
        for ddl in triggers(*feed):
            op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, *_ in FEEDS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS feed_{name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS feed_{name}()")
        else:
            for event in ("insert", "update", "moved", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS feed_{name}_{event}")
    op.drop_table('change_feed')
