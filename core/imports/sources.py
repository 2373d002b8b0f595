"""Opening an import file by its kind: CSV, Excel or MARC, with a row-count hint for progress bars."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.imports.marc import read_marc
from core.imports.tables import SourceRow, UnreadableFile, read_csv, read_xls, read_xlsx

MARC_SUFFIXES = {".iso", ".mrc", ".marc", ".dat", ".2709"}


@dataclass
class Source:
    path: Path
    format: str  # csv | xlsx | xls | marc
    encoding: str  # utf-8 | gbk for CSV; "" otherwise
    rows: Iterator[SourceRow]
    total_hint: int | None  # roughly how many rows, for progress bars
    sha256: str


def _looks_like_marc(data: bytes) -> bool:
    """ISO 2709 starts with a 5-digit record length and ends records with 0x1D."""
    return len(data) >= 24 and data[:5].isdigit() and b"\x1d" in data[:100_000]


def open_source(path: Path, kind: str) -> Source:
    """Read `path` as a catalogue or reader list; raise UnreadableFile with a Chinese reason."""
    if not path.exists():
        raise UnreadableFile(f"找不到文件：{path}")
    if path.is_dir():
        raise UnreadableFile(f"“{path.name}”是一个文件夹，不是文件：请选择文件夹里的书目或名单文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"文件“{path.name}”读不出来（{exc.strerror or '没有权限'}）") from exc
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return Source(path, "xlsx", "", read_xlsx(path, kind), _xlsx_rows(path), digest)
    if suffix == ".xls":
        return Source(path, "xls", "", read_xls(path, kind), _xls_rows(path), digest)
    if suffix in MARC_SUFFIXES or _looks_like_marc(data):
        if kind != "catalogue":
            raise UnreadableFile("MARC 文件只能导入书目")
        return Source(path, "marc", "", read_marc(data), data.count(b"\x1d"), digest)
    rows, encoding = read_csv(data, kind)
    return Source(path, "csv", encoding, rows, data.count(b"\n"), digest)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def _xlsx_rows(path: Path) -> int | None:
    """Rows the sheets declare (<dimension>, near the start of each sheet's XML), or None.

    Read from the zip directly: opening the workbook with openpyxl parses each whole sheet when
    the declaration is missing (files written in write-only mode), a second pass over 100,000
    rows for a progress bar's hint.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as xml:
                        match = _DIMENSION.search(xml.read(4096))
                    total += int(match.group(1)) if match else 0
            return total or None
    except Exception:  # noqa: BLE001 - only a hint; reading the rows will say what is wrong, in Chinese
        return None


def _xls_rows(path: Path) -> int | None:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception:  # noqa: BLE001 - reading the rows will say why, in Chinese
        return None
    try:
        return book.sheet_by_index(0).nrows if book.nsheets else None
    except Exception:  # noqa: BLE001 - as above
        return None
    finally:
        book.release_resources()
