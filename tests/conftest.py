"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when available)."""
from __future__ import annotations

import logging
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.clock import FixedClock
from core.db import make_engine, normalise_url
from core.library import Library
from core.models import Base
from core.schema import upgrade
from tests import privacy

# A Wednesday in the autumn term, 10:00 in Shanghai.
DEFAULT_NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _pg_base_url() -> str | None:
    url = os.environ.get("SHUXIANG_TEST_PG_URL")
    if url:
        return normalise_url(url)
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.3):
            return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except OSError:
        return None


PG_BASE_URL = _pg_base_url()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    if PG_BASE_URL is None:
        pytest.skip("PostgreSQL not available (set SHUXIANG_TEST_PG_URL)")
    name = f"shuxiang_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_BASE_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: a SQLite file, then (if reachable) PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "library.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite file only, for tests that are about SQLite itself or too slow twice."""
    path = tmp_path / "library.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def library(db_url: str, clock: FixedClock) -> Iterator[Library]:
    lib = Library.open(db_url, clock=clock, migrate=False)
    yield lib
    lib.close()


@pytest.fixture
def lib(library: Library) -> Library:
    """The library with the autumn term of tests/factories.py (DEFAULT_NOW falls inside it)."""
    from tests.factories import add_term

    add_term(library)
    return library


# The end-to-end folders: every test in them runs with logging at DEBUG and fails if a log record
# names a user (tests/privacy.py).
END_TO_END_DIRS = frozenset({"handlers", "transport", "scheduler"})


@pytest.fixture(autouse=True)
def no_personal_data_in_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Root logger at DEBUG and SQLAlchemy's statements on; afterwards no openid, card, name, phone or text."""
    if request.node.path.parent.name not in END_TO_END_DIRS:
        yield
        return
    # Set up first, torn down after this check: the test's database is still there to sweep.
    library: Library | None = request.getfixturevalue("library") if "library" in request.fixturenames else None
    recorder = privacy.Recorder()
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, engine_log.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    engine_log.setLevel(logging.INFO)
    privacy.take_sent()
    try:
        yield
    finally:
        root.removeHandler(recorder)
        root.setLevel(levels[0])
        engine_log.setLevel(levels[1])
    identifiers = privacy.take_sent() | privacy.demo_identifiers()
    if library is not None:
        identifiers |= privacy.database_identifiers(library)
    found = privacy.leaks(recorder.records, identifiers)
    privacy.tally(request.node.nodeid, len(recorder.records), len(identifiers), found)
    assert not found, privacy.summary(found)
