"""Regenerates the .xls fixtures: builds .xlsx with openpyxl, then LibreOffice converts them to BIFF8.

Run once by hand (not by the tests): `PYTHONPATH=. python tests/librarian/data/make_xls.py`;
needs `soffice` (apt-get install libreoffice-calc-nogui). See README.md here.
"""
from __future__ import annotations

import datetime
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook

from tests.librarian import files

HERE = Path(__file__).parent

# 身份证件号 values are made up but carry a valid GB 11643 check character, like real ones.
REGISTRY = [
    ["G110101201601012345", "王小明", "男", datetime.date(2016, 1, 1), "110101201601012356", "三年级", "2班", "王建国", "13800138000"],
    ["G110101201602023456", "王小红", "女", datetime.date(2016, 2, 2), "110101201602023452", "三年级", "2班", "王建国", "13800138000"],
    ["L220202201403034567", "李华", "男", datetime.date(2014, 3, 3), "22020220140303456X", "五年级", "1班", "", ""],
]


def catalogue(path: Path) -> None:
    files.write_xlsx_merged(path, [[r[2], r[3], r[4], r[5], r[6], r[9], r[1], r[7], r[8]] for r in files.CATALOGUE_ROWS])


def registry(path: Path) -> None:
    """The national student registry export: a title row, 学籍号 and an identity-card column."""
    wb = Workbook()
    ws = wb.active
    ws.append(["全国中小学生学籍信息管理系统 学生名单"])
    ws.merge_cells("A1:I1")
    ws.append(["学籍号", "姓名", "性别", "出生日期", "身份证件号", "年级", "班级", "家长姓名", "家长手机号"])
    for row in REGISTRY:
        ws.append(row)
    wb.save(path)


def office(path: Path) -> None:
    """A school office sheet: 学籍号 and a '证号' column that in fact holds identity-card numbers."""
    wb = Workbook()
    ws = wb.active
    ws.append(["班级", "姓名", "证号", "学籍号"])
    for row in REGISTRY:
        ws.append([row[5] + row[6], row[1], row[4], row[0]])
    wb.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("catalogue_merged", catalogue), ("roster_registry", registry), ("roster_office", office)):
            build(Path(tmp) / f"{name}.xlsx")
            subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(HERE),
                            str(Path(tmp) / f"{name}.xlsx")], check=True)


if __name__ == "__main__":
    main()
