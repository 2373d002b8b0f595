"""read model feeds: copies, loans and titles name their title; readers name their class

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

The read model (core/live) now keeps search availability per title, new books, recommendations,
rankings and class overdue lists. These triggers add what those must forget: ("title", id) after any
change to a title, one of its copies (status, type, shelf, ...) or a loan of one of its copies, and
("class", id) after any change to a reader in that class (moved in or out, renamed, left), and
("activity", id) after any change to an activity. Entries
that depend on every title or every class are tagged ("title", "*") and forgotten by any of them.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# (trigger name, table, key columns (a change of one also names the old row), SELECTs of (topic, ref))
FEEDS = [
    ("title_items", "items", ["title_id"], ["SELECT 'title', CAST({row}.title_id AS TEXT)"]),
    ("title_loans", "loans", ["item_id"],
     ["SELECT 'title', CAST(title_id AS TEXT) FROM items WHERE id = {row}.item_id"]),
    ("title_titles", "titles", ["id"], ["SELECT 'title', CAST({row}.id AS TEXT)"]),
    ("class_readers", "readers", ["class_id"],
     ["SELECT 'class', CAST({row}.class_id AS TEXT) WHERE {row}.class_id IS NOT NULL"]),
    ("activities", "activities", ["id"], ["SELECT 'activity', CAST({row}.id AS TEXT)"]),
]


def _inserts(selects, row):
    return " ".join(f"INSERT INTO change_feed (topic, ref) {s.format(row=row)};" for s in selects)


def _sqlite_triggers(name, table, keys, selects):
    moved = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in keys)
    yield f"CREATE TRIGGER feed_{name}_insert AFTER INSERT ON {table} BEGIN {_inserts(selects, 'NEW')} END"
    yield f"CREATE TRIGGER feed_{name}_update AFTER UPDATE ON {table} BEGIN {_inserts(selects, 'NEW')} END"
    yield (f"CREATE TRIGGER feed_{name}_moved AFTER UPDATE ON {table} WHEN {moved} "
           f"BEGIN {_inserts(selects, 'OLD')} END")
    yield f"CREATE TRIGGER feed_{name}_delete AFTER DELETE ON {table} BEGIN {_inserts(selects, 'OLD')} END"


def _postgresql_triggers(name, table, keys, selects):
    moved = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in keys)
    yield (f"CREATE FUNCTION feed_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({moved})) THEN {_inserts(selects, 'OLD')} END IF; "
           f"IF TG_OP <> 'DELETE' THEN {_inserts(selects, 'NEW')} END IF; "
           "RETURN NULL; END $$")
    yield (f"CREATE TRIGGER feed_{name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
           f"FOR EACH ROW EXECUTE FUNCTION feed_{name}()")


def upgrade() -> None:
    triggers = _postgresql_triggers if op.get_bind().dialect.name == "postgresql" else _sqlite_triggers
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
