"""导入 in the browser over real HTTP: upload, the CLI's preview, accept the good rows once, cancel, the history.

The file below has a header (line 1), three good rows and one without a barcode (line 4), and a
column the importer does not read (备注说明X).
"""
from __future__ import annotations

import asyncio
import csv
import io
import re
import threading

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

import console.imports as imports_views
from core.clock import FixedClock
from core.imports.batches import ImportBatch, PendingImport
from core.imports.pending import NotPending, State, accept, get_upload, run_preview, stage_upload
from core.library import Library
from core.models import Item, Reader, Title
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.librarian.files import CAOFANGZI, XIAOWANGZI

HEADER = ["条形码", "书名", "作者", "ISBN", "定价", "索书号", "馆藏地", "备注说明X"]
ROWS = [
    ["T000001", "草房子", "曹文轩", CAOFANGZI, "25.00", "I287.45/C1", "二楼A架", "好书"],
    ["T000002", "草房子", "曹文轩", CAOFANGZI, "25.00", "I287.45/C1", "二楼A架", ""],
    ["", "城南旧事", "林海音", "", "18", "I287.45/L2", "二楼B架", ""],  # line 4: no barcode
    ["T000004", "小王子", "圣埃克苏佩里", XIAOWANGZI, "", "I565.88/S1", "二楼A架", ""],
]
TOKEN_URL = re.compile(r"/admin/imports/([A-Za-z0-9_-]{8,40})$")


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def counts(library: Library) -> tuple[int, int, int]:
    with library.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(Title)),
                uow.session.scalar(select(func.count()).select_from(Item)),
                uow.session.scalar(select(func.count()).select_from(ImportBatch)))


async def signed_in(console: TestClient, library: Library) -> str:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    return await page_csrf(console, "/admin/imports")


async def upload(console: TestClient, csrf: str | None, name: str, data: bytes, kind: str = "catalogue"):
    form = FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    form.add_field("kind", kind)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await console.post("/admin/imports", data=form, allow_redirects=False)


async def preview(console: TestClient, csrf: str, name: str = "馆藏.csv", data: bytes | None = None,
                  kind: str = "catalogue") -> tuple[str, str]:
    """Upload and wait for the preview page: (token, its HTML)."""
    response = await upload(console, csrf, name, data if data is not None else csv_bytes(HEADER, ROWS), kind)
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    match = TOKEN_URL.search(location)
    assert match is not None, location
    for _ in range(200):
        html = await (await console.get(location)).text()
        if 'id="import-progress"' not in html:
            return match.group(1), html
        await asyncio.sleep(0.05)
    raise AssertionError("the preview never finished")


async def post(console: TestClient, path: str, csrf: str, **fields: str):
    return await console.post(path, data={"csrf": csrf, **fields}, allow_redirects=False)


async def test_the_preview_shows_what_the_cli_shows_and_writes_nothing(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    _, html = await preview(console, csrf)
    assert "读到 <strong>4</strong> 行" in html and 'id="good-rows">3<' in html
    assert "新增书目 2，新增复本 3" in html
    assert re.search(r'data-line="4"><td class="where">第4行</td><td>缺少条形码', html)
    assert "备注说明X" in html and "没有导入的列" in html
    assert 'id="accept-good"' in html and 'id="accept-all"' not in html
    assert counts(library) == (0, 0, 0)
    waiting = await (await console.get("/admin/imports")).text()  # to come back to after closing the page
    assert "等待确认的上传" in waiting and "馆藏.csv</a>" in waiting and "预览好了，等待确认" in waiting


async def test_accepting_the_good_rows_imports_them_once(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    first = await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    assert first.status == 303 and first.headers["Location"] == f"/admin/imports/{token}"
    done = await (await console.get(first.headers["Location"])).text()
    assert "导入完成" in done and "新增书目 2，新增复本 3" in done and "跳过了 1 行" in done
    assert counts(library) == (2, 3, 1)
    again = await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")  # the back button, a double click
    assert again.status == 303 and again.headers["Location"].endswith("?again=1")
    assert "没有重复导入" in await (await console.get(again.headers["Location"])).text()
    assert counts(library) == (2, 3, 1)
    with library.uow() as uow:
        batch = uow.session.scalar(select(ImportBatch))
        assert batch is not None and (batch.filename, batch.actor, batch.rows) == ("馆藏.csv", "wang", 4)
        assert [entry[0] for entry in batch.rejected] == [4]
        assert uow.session.get(PendingImport, token).data is None  # the bytes go once imported
    history = await (await console.get("/admin/imports")).text()
    assert "馆藏.csv" in history and "wang" in history and "1 行" in history
    assert "等待确认的上传" not in history


async def test_a_double_click_sent_at_once_imports_once(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    answers = await asyncio.gather(*(post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
                                     for _ in range(3)))
    assert sorted(a.headers["Location"].endswith("?again=1") for a in answers) == [False, True, True]
    assert counts(library) == (2, 3, 1)


def test_two_servers_accepting_together_import_once(library: Library) -> None:
    token = stage_upload(library, kind="catalogue", filename="a.csv", data=csv_bytes(HEADER, ROWS), actor="wang")
    run_preview(library, token)
    outcomes: list[object] = []

    def worker() -> None:
        try:
            outcomes.append(accept(library, token, good_rows_only=True).committed)
        except NotPending as refused:
            outcomes.append(refused.state)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1 and len(outcomes) == 4
    assert counts(library) == (2, 3, 1)


async def test_accept_all_with_bad_rows_writes_nothing(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    answer = await post(console, f"/admin/imports/{token}/accept", csrf, mode="all")
    assert answer.headers["Location"].endswith("?refused=1")
    assert counts(library) == (0, 0, 0)
    assert get_upload(library, token).state == State.READY  # still there to accept the good rows


async def test_a_clean_file_is_accepted_whole(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    good = [row for row in ROWS if row[0]]
    token, html = await preview(console, csrf, data=csv_bytes(HEADER, good))
    assert 'id="accept-all"' in html and "有问题的行" not in html
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="all")
    assert counts(library) == (2, 3, 1)


async def test_cancel_writes_nothing_and_cannot_be_accepted_after(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    cancelled = await post(console, f"/admin/imports/{token}/cancel", csrf)
    assert "已取消，没有写入任何数据" in await (await console.get(cancelled.headers["Location"])).text()
    late = await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    assert late.headers["Location"].endswith("?again=1")
    assert counts(library) == (0, 0, 0)
    with library.uow() as uow:
        assert uow.session.get(PendingImport, token).data is None


async def test_rejected_rows_download_as_csv_and_xlsx(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    with library.uow() as uow:
        batch_id = uow.session.scalar(select(ImportBatch.id))
    as_csv = await console.get(f"/admin/imports/batches/{batch_id}/rejected.csv")
    assert as_csv.status == 200 and "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await as_csv.read()).decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "行号", "原因"]  # the file's own header, then where and why
    assert rows[1][:-2] == ROWS[2] and rows[1][-2] == "4" and "缺少条形码" in rows[1][-1]
    assert len(rows) == 2
    as_xlsx = await console.get(f"/admin/imports/batches/{batch_id}/rejected.xlsx")
    sheet = load_workbook(io.BytesIO(await as_xlsx.read())).active
    assert [c.value for c in sheet[1]] == [*HEADER, "行号", "原因"]
    assert [c.value or "" for c in sheet[2]][:len(HEADER)] == ROWS[2]
    assert sheet[2][len(HEADER)].value == 4 and "缺少条形码" in sheet[2][len(HEADER) + 1].value


async def test_the_skipped_rows_fixed_in_excel_import(console: TestClient, library: Library) -> None:
    """改好后可以再导入这些行: the download, one cell fixed with openpyxl, uploaded again, imports."""
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf, "去年馆藏.csv")
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    with library.uow() as uow:
        batch_id = uow.session.scalar(select(ImportBatch.id))
    download = await console.get(f"/admin/imports/batches/{batch_id}/rejected.xlsx")
    book = load_workbook(io.BytesIO(await download.read()))
    sheet = book.active
    barcode = [c.value for c in sheet[1]].index("条形码")
    sheet.cell(row=2, column=barcode + 1, value="T000003")  # the missing barcode, filled in
    fixed = io.BytesIO()
    book.save(fixed)
    token, html = await preview(console, csrf, "去年馆藏-未导入的行.xlsx", fixed.getvalue())
    assert "新增书目 1，新增复本 1" in html and 'id="accept-all"' in html
    done = await post(console, f"/admin/imports/{token}/accept", csrf, mode="all")
    assert done.status == 303
    with library.uow() as uow:
        assert uow.session.scalar(select(Item).where(Item.barcode == "T000003")) is not None
    assert counts(library) == (3, 4, 2)


async def test_a_batch_kept_without_cells_downloads_line_and_reason(console: TestClient, library: Library) -> None:
    """Batches accepted before the cells were kept (and MARC files) still give 行号 and 原因."""
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    with library.uow() as uow:
        batch = uow.session.scalar(select(ImportBatch))
        assert batch is not None and len(batch.rejected[0]) == 4
        batch.rejected = [[4, "缺少条形码"]]
        batch_id = batch.id
        uow.commit()
    rows = list(csv.reader(io.StringIO((await (await console.get(
        f"/admin/imports/batches/{batch_id}/rejected.csv")).read()).decode("utf-8-sig"))))
    assert rows == [["行号", "原因"], ["4", "缺少条形码"]]


async def test_a_rosters_skipped_rows_never_give_out_an_identity_number(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    roster = csv_bytes(["班级", "学号", "姓名", "身份证号"],
                       [["三年级2班", "S2023001", "王小明", "11010520150101001X"],
                        ["火星班", "S9", "张三", "110105201501010029"]])
    token, _ = await preview(console, csrf, "名单.csv", roster, kind="students")
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    with library.uow() as uow:
        batch_id = uow.session.scalar(select(ImportBatch.id))
    body = (await (await console.get(f"/admin/imports/batches/{batch_id}/rejected.csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["班级", "学号", "姓名", "身份证号", "行号", "原因"]
    assert rows[1][:4] == ["火星班", "S9", "张三", ""] and rows[1][4] == "3"
    assert "1101052015" not in body


async def test_a_roster_goes_through_the_same_steps(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    roster = csv_bytes(["班级", "学号", "姓名", "家长姓名", "家长手机号"],
                       [["三年级2班", "S2023001", "王小明", "王建国", "13800138000"],
                        ["火星班", "S9", "张三", "", ""]])
    token, html = await preview(console, csrf, "名单.csv", roster, kind="students")
    assert "第3行" in html and "导入读者名单" in html
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    with library.uow() as uow:
        assert uow.session.scalars(select(Reader.card_no)).all() == ["S2023001"]


async def test_same_isbn_other_title_is_decided_in_the_browser(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    await post(console, "/admin/imports", csrf)  # a form without a file: asked for one, nothing stored
    token, first = await preview(console, csrf, data=csv_bytes(HEADER, [ROWS[0]]))
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="all")
    volume = [["T000009", "草房子（下册）", "曹文轩", CAOFANGZI, "25", "I287.45/C1", "二楼A架", ""]]
    token, html = await preview(console, csrf, data=csv_bytes(HEADER, volume))
    assert "ISBN 冲突" in html and "《草房子（下册）》" in html and 'name="line-2"' in html
    answer = await post(console, f"/admin/imports/{token}/decide", csrf, same_isbn="ask", **{"line-2": "separate"})
    assert answer.status == 303
    for _ in range(100):
        html = await (await console.get(f"/admin/imports/{token}")).text()
        if 'id="import-progress"' not in html:
            break
        await asyncio.sleep(0.05)
    assert 'id="accept-all"' in html and "逐行决定" in html
    await post(console, f"/admin/imports/{token}/accept", csrf, mode="all")
    assert counts(library)[:2] == (2, 2)


@pytest.mark.parametrize("role", [Role.HELPER, Role.CLASS_TEACHER])
async def test_helpers_and_class_teachers_may_not_import(console: TestClient, library: Library, role: Role) -> None:
    add_class(library)
    add_staff(library, "someone", role, PASSWORD, class_name="三年级2班" if role == Role.CLASS_TEACHER else None)
    await sign_in(console, "someone")
    csrf = await page_csrf(console)
    assert (await console.get("/admin/imports")).status == 403
    assert (await upload(console, csrf, "a.csv", csv_bytes(HEADER, ROWS))).status == 403
    assert 'href="/admin/imports"' not in await (await console.get("/admin")).text()
    with library.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PendingImport)) == 0


async def test_an_upload_without_the_csrf_token_is_refused(console: TestClient, library: Library) -> None:
    await signed_in(console, library)
    answer = await upload(console, None, "a.csv", csv_bytes(HEADER, ROWS))
    assert answer.status == 403 and "安全校验码" in await answer.text()
    with library.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PendingImport)) == 0


async def test_an_oversize_file_is_refused_in_chinese(console: TestClient, library: Library,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert imports_views.upload.console_body_limit == imports_views.MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    csrf = await signed_in(console, library)
    monkeypatch.setattr(imports_views.upload, "console_body_limit", 200_000)
    big = csv_bytes(HEADER, ROWS * 3000)  # ~300 KB: over the lowered limit
    answer = await upload(console, csrf, "a.csv", big)
    assert answer.status == 413 and "文件太大了：最多 195 KB" in await answer.text()
    await preview(console, csrf, "a.csv", csv_bytes(HEADER, ROWS * 500))  # ~100 KB: over the app's 64 KB
    # Other console routes keep the app's small limit (64 KB).
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", b"x" * 100_000, filename="a.csv")
    assert (await console.post("/admin/logout", data=form, allow_redirects=False)).status == 413
    with library.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PendingImport)) == 1


async def test_a_wrong_file_type_is_refused_in_chinese(console: TestClient, library: Library) -> None:
    csrf = await signed_in(console, library)
    answer = await upload(console, csrf, "封面.jpg", b"\xff\xd8\xff\xe0 not a table")
    assert answer.status == 400
    assert "这种文件不能导入：请上传 CSV/TXT（逗号分隔）、Excel（.xlsx 或 .xls）" in await answer.text()
    token, html = await preview(console, csrf, "书目.xlsx", b"PK\x03\x04 broken")  # right name, unreadable inside
    assert "无法导入：" in html and get_upload(library, token).state == State.FAILED
    await post(console, f"/admin/imports/{token}/cancel", csrf)  # 删除这次上传
    assert get_upload(library, token).state == State.CANCELLED
    assert counts(library) == (0, 0, 0)


async def test_a_preview_whose_worker_died_is_taken_over(console: TestClient, library: Library,
                                                         clock: FixedClock) -> None:
    await signed_in(console, library)
    token = stage_upload(library, kind="catalogue", filename="a.csv", data=csv_bytes(HEADER, ROWS), actor="wang")
    busy = await (await console.get(f"/admin/imports/{token}")).text()
    assert 'id="import-progress"' in busy and "/progress" in busy  # a server stopped before previewing it
    clock.advance(minutes=3)
    for _ in range(100):
        answer = await console.get(f"/admin/imports/{token}/progress")
        if answer.headers.get("HX-Refresh") == "true":
            break
        await asyncio.sleep(0.05)
    assert get_upload(library, token).state == State.READY


async def test_an_upload_expires_after_a_day(console: TestClient, library: Library, clock: FixedClock) -> None:
    csrf = await signed_in(console, library)
    token, _ = await preview(console, csrf)
    clock.advance(hours=25)
    await sign_in(console, "wang")  # the session itself timed out meanwhile
    csrf = await page_csrf(console, "/admin/imports")
    assert (await console.get(f"/admin/imports/{token}")).status == 404
    late = await post(console, f"/admin/imports/{token}/accept", csrf, mode="good")
    assert late.status == 404 and "重新上传" in await late.text()
    await preview(console, csrf)  # a new upload deletes the expired one
    with library.uow() as uow:
        assert uow.session.get(PendingImport, token) is None
    assert counts(library) == (0, 0, 0)
