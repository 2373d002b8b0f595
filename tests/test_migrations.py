"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import core.accounts  # noqa: F401  (modules that define tables, as core/migrations/env.py imports them)
import core.conversations  # noqa: F401
import core.imports.batches  # noqa: F401
import core.inventory  # noqa: F401
import core.live.feed  # noqa: F401
import core.messaging  # noqa: F401
import core.notices.models  # noqa: F401
from core.db import make_engine
from core.models import Base
from core.schema import alembic_config, upgrade


def test_migrations_have_a_single_head(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    engine.dispose()
    assert len(heads) == 1, f"parallel migration branches need a merge revision: {heads}"


def test_migrated_database_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)  # already at head: must be a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
