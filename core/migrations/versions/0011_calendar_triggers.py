"""calendar triggers: any write to terms, calendar_days or the closed weekdays bumps the calendar counter

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

The calendar services bump the counter (catalogue_version row 2) themselves; these triggers make a
librarian's SQL, an import or another tool count too. The counter's own 0008 feed trigger then tells
every running read model to reload the calendar, so due dates, fines, holds, pushes and the bot's
开放时间 change at once.
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("terms", "calendar_days")
WEEKDAYS_KEY = "calendar.closed_weekdays"
BUMP_SQLITE = ("INSERT OR IGNORE INTO catalogue_version (id, version) VALUES (2, 0); "
               "UPDATE catalogue_version SET version = version + 1 WHERE id = 2;")


def _sqlite() -> list[str]:
    statements = [f"CREATE TRIGGER calendar_bump_{table}_{event.lower()} AFTER {event} ON {table} "
                  f"BEGIN {BUMP_SQLITE} END"
                  for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")]
    statements += [f"CREATE TRIGGER calendar_bump_install_facts_{event.lower()} AFTER {event} ON install_facts "
                   f"WHEN {row}.key = '{WEEKDAYS_KEY}' BEGIN {BUMP_SQLITE} END"
                   for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))]
    return statements


def _postgresql() -> list[str]:
    statements = [
        "CREATE OR REPLACE FUNCTION calendar_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO catalogue_version (id, version) VALUES (2, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = catalogue_version.version + 1; RETURN NULL; END $$",
    ]
    statements += [f"CREATE TRIGGER calendar_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION calendar_bump()" for table in TABLES]
    # WHEN may name NEW only for INSERT/UPDATE and OLD only for DELETE: two triggers.
    statements += [f"CREATE TRIGGER {name} AFTER {events} ON install_facts FOR EACH ROW "
                   f"WHEN ({row}.key = '{WEEKDAYS_KEY}') EXECUTE FUNCTION calendar_bump()"
                   for name, events, row in (("calendar_bump_set", "INSERT OR UPDATE", "NEW"),
                                             ("calendar_bump_unset", "DELETE", "OLD"))]
    return statements


def upgrade() -> None:
    for statement in (_sqlite() if op.get_bind().dialect.name == "sqlite" else _postgresql()):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in (*TABLES, "install_facts"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS calendar_bump_{table}_{event}")
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS calendar_bump ON {table}")
    for name in ("calendar_bump_set", "calendar_bump_unset"):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON install_facts")
    op.execute("DROP FUNCTION calendar_bump()")
