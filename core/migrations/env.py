"""Alembic environment: the engine comes from core.schema (no alembic.ini needed)."""
from alembic import context
from sqlalchemy import create_engine

import core.accounts  # noqa: F401  (every module with tables registers them on Base.metadata)
import core.conversations  # noqa: F401
import core.imports.batches  # noqa: F401
import core.inventory  # noqa: F401
import core.live.feed  # noqa: F401
import core.messaging  # noqa: F401
import core.notices.models  # noqa: F401
from core.db import normalise_url
from core.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` CLI use: -x url=...
    engine = create_engine(normalise_url(context.get_x_argument(as_dictionary=True)["url"]))

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
