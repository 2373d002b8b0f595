"""The console's templates and static files (vendored licences too) are shipped by pyproject's package-data."""
from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_console_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["*"]
    assert any(fnmatch("console", p) for p in config["packages"]["find"]["include"])
    files = [p for d in ("templates", "static") for p in (ROOT / "console" / d).rglob("*") if p.is_file()]
    assert {f.name for f in files} >= {"base.html", "htmx.min.js", "simple.min.css", "console.css",
                                       "htmx.LICENSE.txt", "simple.LICENSE.txt"}
    unshipped = [str(f.relative_to(ROOT)) for f in files if not any(fnmatch(f.name, p) for p in patterns)]
    assert unshipped == []
