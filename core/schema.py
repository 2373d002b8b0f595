"""Schema management through Alembic (migrations live in core/migrations)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the newest schema (idempotent).

    "heads" rather than "head": features developed side by side may add migrations on
    parallel branches until a merge revision (like 0007) joins them; every branch is applied.
    """
    command.upgrade(alembic_config(engine), revision)
