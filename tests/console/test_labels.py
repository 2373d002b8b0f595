"""/admin/labels over real HTTP: choosing copies (barcodes, a day, an import batch), the printable sheets, cards, roles."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.imports import import_catalogue, open_source
from core.library import Library
from core.models import Item, ReaderType
from core.settings import LabelSettings, SchoolSettings, Settings
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_reader, add_title
from tests.librarian import files
from tests.librarian.files import CATALOGUE_HEADER, CATALOGUE_ROWS

POSITION = re.compile(r'data-position="(\d+)" style="left: ([\d.]+)mm; top: ([\d.]+)mm"')


async def _librarian(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302


async def test_the_catalogue_link_lists_the_copies_and_their_spine_lines(console: TestClient, library: Library) -> None:
    _, copies = add_title(library, "草房子", "曹文轩", copies=2)
    await _librarian(console, library)
    response = await console.get(f"/admin/labels?barcodes={copies[0]},{copies[1].lower()},NOPE1")
    html = await response.text()
    assert response.status == 200
    assert "要打印的复本：2 册" in html and "草房子" in html
    assert "<span>I287.45</span><span>C1</span>" in html  # I287.45/C1 on two lines
    assert 'id="unknown"' in html and "NOPE1" in html
    assert f'name="barcodes" value="{copies[0]},{copies[1]}"' in html  # carried on to the print form


async def test_barcode_labels_print_in_the_order_asked_with_the_school_name(console: TestClient,
                                                                           library: Library) -> None:
    _, first = add_title(library, "草房子", "曹文轩", copies=1)
    _, second = add_title(library, "城南旧事", "林海音", copies=1)
    await _librarian(console, library)
    response = await console.get(f"/admin/labels/print?kind=barcode&barcodes={second[0]},{first[0]}&title=1")
    html = await response.text()
    assert response.status == 200
    assert html.index(f">{second[0]}<") < html.index(f">{first[0]}<")
    assert html.count("<svg ") == 2 and html.count("书香小学图书室") == 2
    assert "城南旧事" in html and "@page" not in html  # the A4 page rule lives in labels-sheet.css
    # A4 40-up: the first two positions of the first row.
    assert POSITION.findall(html) == [("1", "9.7", "21.5"), ("2", "58.0", "21.5")]


async def test_a_partly_used_sheet_starts_at_the_asked_position_and_runs_onto_a_new_sheet(
        console: TestClient, library: Library) -> None:
    _, copies = add_title(library, "草房子", "曹文轩", copies=3)
    await _librarian(console, library)
    csrf = await page_csrf(console, "/admin/labels")
    response = await console.post("/admin/labels/print", data={
        "csrf": csrf, "kind": "spine", "barcodes": ",".join(copies), "start": "39"})
    html = await response.text()
    assert response.status == 200
    assert POSITION.findall(html) == [("39", "106.3", "250.1"), ("40", "154.6", "250.1"), ("1", "9.7", "21.5")]
    assert html.count('class="sheet"') == 2 and "<svg" not in html
    assert html.count('<div class="line">I287.45</div><div class="line">C1</div>') == 3


async def test_a_start_off_the_sheet_is_answered_on_the_selection_page(console: TestClient, library: Library) -> None:
    _, copies = add_title(library, "草房子", "曹文轩", copies=1)
    await _librarian(console, library)
    response = await console.get(f"/admin/labels/print?kind=spine&barcodes={copies[0]}&start=41")
    assert response.status == 400
    assert "从第几张开始：请填 1 到 40 之间的数。" in await response.text()
    nothing = await console.get("/admin/labels/print?kind=spine")
    assert nothing.status == 400 and "没有可打印的复本" in await nothing.text()


async def test_a_pasted_list_is_read_line_by_line_and_full_width(console: TestClient, library: Library) -> None:
    _, copies = add_title(library, "草房子", "曹文轩", copies=2)
    await _librarian(console, library)
    csrf = await page_csrf(console, "/admin/labels")
    wide = copies[1].translate({ord(c): ord(c) + 0xFEE0 for c in copies[1]})  # Ｂ００… from a Chinese IME
    response = await console.post("/admin/labels", data={"csrf": csrf, "barcodes": f"{copies[0]}\r\n{wide}，\n"})
    html = await response.text()
    assert response.status == 200 and "要打印的复本：2 册" in html
    refused = await console.post("/admin/labels", data={"barcodes": copies[0]})
    assert refused.status == 403  # no CSRF token


async def test_copies_without_a_call_number_are_left_off_spine_labels(console: TestClient, library: Library,
                                                                      tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "新书.csv", ["条形码", "正题名", "责任者", "索书号"],
                           [["N1", "小王子", "圣埃克苏佩里", "I565.88/S1:2"], ["N2", "三体", "刘慈欣", ""]])
    source = open_source(path, "catalogue")
    assert import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256).committed
    await _librarian(console, library)
    chosen = await (await console.get("/admin/labels?barcodes=N1,N2")).text()
    assert 'id="no-call-number"' in chosen and "N2" in chosen
    sheet = await (await console.get("/admin/labels/print?kind=spine&barcodes=N1,N2")).text()
    assert '<div class="line">I565.88</div><div class="line">S1</div><div class="line">:2</div>' in sheet
    assert POSITION.findall(sheet) == [("1", "9.7", "21.5")] and "没有索书号、没有打印：N2" in sheet


async def test_an_import_batch_and_a_day_select_exactly_their_copies(console: TestClient, library: Library,
                                                                     clock: FixedClock, tmp_path: Path) -> None:
    _, older = add_title(library, "城南旧事", "林海音", copies=1)  # added "today" by hand, before the import
    clock.advance(days=1)
    path = files.write_csv(tmp_path / "馆藏.csv", CATALOGUE_HEADER, CATALOGUE_ROWS)
    source = open_source(path, "catalogue")
    report = import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256)
    assert report.committed and report.batch_id is not None
    await _librarian(console, library)
    home = await (await console.get("/admin/labels")).text()
    assert "馆藏.csv" in home and f'<option value="{report.batch_id}"' in home
    batch = await (await console.get(f"/admin/labels?batch={report.batch_id}")).text()
    assert "要打印的复本：4 册" in batch and older[0] not in batch
    assert [b for b in re.findall(r"<tr><td>(\w+)</td>", batch)] == ["T000001", "T000002", "T000003", "T000004"]
    today = library.today()
    day = await (await console.get(f"/admin/labels?day={today.isoformat()}")).text()
    assert "要打印的复本：4 册" in day
    before = await (await console.get(f"/admin/labels?day={(today - timedelta(days=1)).isoformat()}")).text()
    assert "要打印的复本：1 册" in before and older[0] in before
    bad = await console.get("/admin/labels?day=2026-13-01")
    assert bad.status == 400 and "入藏日期“2026-13-01”看不懂" in await bad.text()
    assert (await console.get("/admin/labels?batch=999")).status == 400


async def test_reader_cards_for_a_class_carry_name_class_and_card_barcode(console: TestClient,
                                                                         library: Library) -> None:
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    add_reader(library, "赵一", ReaderType.STUDENT, card_no="学30203", class_name="三年级2班")  # no Code 128
    add_reader(library, "李老师", ReaderType.TEACHER, card_no="T0009")
    await _librarian(console, library)
    home = await (await console.get("/admin/labels")).text()
    class_id = re.search(r'<option value="(\d+)">三年级2班（3 人）</option>', home)
    assert class_id is not None
    cards = await console.get(f"/admin/labels/cards?class_id={class_id.group(1)}")
    html = await cards.text()
    assert cards.status == 200
    assert html.index("陈思雨") < html.index("王小明")  # by pinyin, as rosters print
    assert html.count("<svg ") == 2 and 'aria-label="S30201"' in html and "李老师" not in html
    assert html.count("三年级2班") >= 2 and "书香小学图书室 · 借阅证" in html
    assert "没有打印：学30203。请先在读者和班级里改正借阅证号。" in html and "赵一" not in html
    assert (await console.get("/admin/labels/cards?class_id=999")).status == 404


async def test_only_the_librarian_prints_labels(console: TestClient, library: Library) -> None:
    add_class(library)
    _, copies = add_title(library, "草房子", "曹文轩", copies=1)
    add_staff(library, "helper", Role.HELPER, PASSWORD)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    for name in ("helper", "li"):
        console.session.cookie_jar.clear()
        await sign_in(console, name)
        for path in ("/admin/labels", f"/admin/labels/print?barcodes={copies[0]}", "/admin/labels/cards?class_id=1"):
            assert (await console.get(path, allow_redirects=False)).status == 403, (name, path)
        assert 'href="/admin/labels"' not in await (await console.get("/admin")).text()
    console.session.cookie_jar.clear()
    assert (await console.get("/admin/labels", allow_redirects=False)).status == 302  # signed out: sign in first
    await _librarian(console, library)
    assert 'href="/admin/labels"' in await (await console.get("/admin")).text()


def test_school_days_not_utc_days_choose_the_copies(library: Library, clock: FixedClock) -> None:
    from core.labels.selection import copies_added_on

    clock.set(clock().replace(hour=16, minute=30))  # 00:30 the next morning in Beijing
    _, copies = add_title(library, "草房子", "曹文轩", copies=1)
    utc_day = clock().date()
    assert library.today() == utc_day + timedelta(days=1)
    assert [c.barcode for c in copies_added_on(library, library.today()).copies] == copies
    assert copies_added_on(library, utc_day).copies == []


async def test_the_labels_settings_shape_the_printed_sheet(library: Library, clock: FixedClock,
                                                           aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    # A4 65-up (38.1 × 21.2 mm) with a school's own name: positions 5 and 6 end row 1 and start row 2.
    sheet = LabelSettings(rows=13, columns=5, margin_top=10.7, margin_bottom=10.7, margin_left=4.65,
                          margin_right=4.65, gap_x=2.5, gap_y=0, font_size=7)
    settings = Settings(labels=sheet, school=SchoolSettings(name="实验小学图书室"))
    client = await aiohttp_client(create_app(settings, responder=HelpResponder(), clock=clock, library=library))
    _, copies = add_title(library, "草房子", "曹文轩", copies=2)
    await _librarian(client, library)
    home = await (await client.get(f"/admin/labels?barcodes={copies[0]}")).text()
    assert "每页 13 行 ×\n  5 列，每张 38.1 × 21.2 毫米" in home and 'max="65"' in home
    html = await (await client.get(f"/admin/labels/print?kind=barcode&barcodes={','.join(copies)}&start=5")).text()
    assert POSITION.findall(html) == [("5", "167.21", "10.7"), ("6", "4.65", "31.9")]
    assert "width: 38.14mm; height: 21.20mm;\n           font-size: 7.0pt;" in html
    assert html.count("实验小学图书室") == 2 and "书香小学" not in html


async def test_a_barcode_code_128_cannot_carry_leaves_only_its_own_label_off(console: TestClient,
                                                                            library: Library) -> None:
    _, good = add_title(library, "草房子", "曹文轩", copies=1)
    with library.uow() as uow:  # an old system's barcode with a space in it
        item = uow.session.scalars(select(Item).where(Item.barcode == good[0])).one()
        uow.session.add(Item(barcode="B 07", title_id=item.title_id, call_number="I287.45/C1",
                             created_at=library.now()))
        uow.commit()
    await _librarian(console, library)
    csrf = await page_csrf(console, "/admin/labels")
    both = await console.post("/admin/labels/print", data={"csrf": csrf, "kind": "barcode",
                                                           "barcodes": f"{good[0]},B 07"})
    html = await both.text()
    assert both.status == 200 and html.count("<svg ") == 1 and POSITION.findall(html) == [("1", "9.7", "21.5")]
    assert "找不到的条码、没有打印：B、07" in html  # typed, "B 07" is two barcodes (a space separates)
    alone = await console.get(f"/admin/labels/print?kind=barcode&day={library.today().isoformat()}")
    assert alone.status == 200 and "印不成条码，没有打印：B 07。请先在编目里改正这些复本的条码。" in await alone.text()


def test_the_catalogue_links_new_copies_to_the_labels_page() -> None:
    from console.labels import labels_link

    assert labels_link(["B0000101", "B0000102"]) == "/admin/labels?barcodes=B0000101%2CB0000102"
