"""Attack harness: import a file into a fresh SQLite copy and dump what landed."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from core.clock import FixedClock  # noqa: E402
from core.imports import import_catalogue, open_source  # noqa: E402
from core.library import Library  # noqa: E402
from core.models import Item, Title  # noqa: E402
from tests.conftest import DEFAULT_NOW  # noqa: E402

TEMPLATE = Path("/tmp/attack13_template.db")


def fresh() -> Library:
    if not TEMPLATE.exists():
        Library.open(f"sqlite:///{TEMPLATE}", clock=FixedClock(DEFAULT_NOW)).close()
    d = Path(tempfile.mkdtemp())
    shutil.copy(TEMPLATE, d / "x.db")
    return Library.open(f"sqlite:///{d / 'x.db'}", clock=FixedClock(DEFAULT_NOW), migrate=False)


def imp(path, lib=None, **kw):
    lib = lib or fresh()
    src = open_source(Path(path), "catalogue")
    rep = import_catalogue(lib, src.rows, filename=Path(path).name, sha256=src.sha256, **kw)
    return lib, rep


def dump(lib):
    with lib.uow() as uow:
        return [(i.barcode, i.title.title, i.title.isbn, i.price_fen, i.accession_number, i.call_number, i.location)
                for i in uow.session.scalars(select(Item).order_by(Item.id))]


def show(path, **kw):
    lib, rep = imp(path, **kw)
    print("rows", rep.rows_read, "committed", rep.committed, rep.counts)
    for w in rep.warnings:
        print(" W", w.where, w.reason)
    for p in rep.problems:
        print(" P", p.where, p.reason)
    for r in dump(lib):
        print(" D", r)
    return lib, rep
