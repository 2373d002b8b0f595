"""`shuxiang db init` creates and migrates a database, idempotently."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from core.db import make_engine


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
                                            "PATH": "/usr/bin:/bin"})


def test_db_init_creates_every_table_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "school.db"
    first = run_cli("db", "init", "--db", str(db), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "数据库已就绪" in first.stdout
    again = run_cli("db", "init", "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    engine = make_engine(f"sqlite:///{db}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"titles", "items", "readers", "loans", "reservations", "charges", "terms", "alembic_version"} <= tables
