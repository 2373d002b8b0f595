"""The triggers a migration should add so that ANY write to the calendar tables is seen at once.

Not a migration (helpers may not add one): the lead copies these statements into the next
migration. Each bumps the calendar change counter (`catalogue_version` row 2, versions.CALENDAR),
whose own 0008 feed trigger then tells every running read model to reload the calendar, and
which `Library.calendar` compares on every transaction. The services bump it themselves too;
these make a librarian's SQL, an import or another tool count as well.
"""
from __future__ import annotations

from sqlalchemy import Engine, text

TABLES = ("terms", "calendar_days")
BUMP_SQLITE = ("INSERT OR IGNORE INTO catalogue_version (id, version) VALUES (2, 0); "
               "UPDATE catalogue_version SET version = version + 1 WHERE id = 2;")


def sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(f"CREATE TRIGGER IF NOT EXISTS calendar_bump_{table}_{event.lower()} "
                              f"AFTER {event} ON {table} BEGIN {BUMP_SQLITE} END")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        statements.append(f"CREATE TRIGGER IF NOT EXISTS calendar_bump_install_facts_{event.lower()} "
                          f"AFTER {event} ON install_facts WHEN {row}.key = 'calendar.closed_weekdays' "
                          f"BEGIN {BUMP_SQLITE} END")
    return statements


def postgresql_statements() -> list[str]:
    statements = [
        "CREATE OR REPLACE FUNCTION calendar_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO catalogue_version (id, version) VALUES (2, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = catalogue_version.version + 1; RETURN NULL; END $$",
    ]
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS calendar_bump ON {table}")
        statements.append(f"CREATE TRIGGER calendar_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
                          "FOR EACH STATEMENT EXECUTE FUNCTION calendar_bump()")
    # WHEN may name NEW only for INSERT/UPDATE and OLD only for DELETE: two triggers.
    for name, events, row in (("calendar_bump_set", "INSERT OR UPDATE", "NEW"), ("calendar_bump_unset", "DELETE", "OLD")):
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON install_facts")
        statements.append(f"CREATE TRIGGER {name} AFTER {events} ON install_facts FOR EACH ROW "
                          f"WHEN ({row}.key = 'calendar.closed_weekdays') EXECUTE FUNCTION calendar_bump()")
    return statements


def install(engine: Engine) -> None:
    """Create the triggers on this database (what the migration would do)."""
    statements = sqlite_statements() if engine.dialect.name == "sqlite" else postgresql_statements()
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def uninstall(engine: Engine) -> None:
    """Drop them again (the PostgreSQL test database is shared by the whole session)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for (name,) in connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'calendar_bump%'")).all():
                connection.execute(text(f"DROP TRIGGER {name}"))
            return
        for table in TABLES:
            connection.execute(text(f"DROP TRIGGER IF EXISTS calendar_bump ON {table}"))
        for name in ("calendar_bump_set", "calendar_bump_unset"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON install_facts"))
        connection.execute(text("DROP FUNCTION IF EXISTS calendar_bump()"))
