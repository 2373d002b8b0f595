"""清单: the lists a librarian prints (/admin/lists/...), each a page and an xlsx download (`?format=xlsx`).

Each view reads its filters, calls one `core.lists` query in a worker thread, turns the typed rows into
a `Table` (Chinese headers, one kind per column) and renders it as HTML (lists/table.html) or as a
workbook (console.lists_xlsx). /admin/lists/class is a class teacher's read-only view of their class,
its 班级图书角 (the copies the class borrowed as a class) in a block of its own.
"""
from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, forbidden, requires
from console.lists_xlsx import Column, Table, show, workbook_bytes
from console.text import class_query
from console.views import page
from core import lists
from core.circulation.collections import ClassCollection, class_collection_by_name
from core.circulation.suspension import is_indefinite
from core.lists import NoCurrentTerm, NoSuchClass, OverdueSort
from core.models import ChargeKind
from core.staff import Area, Role

routes = web.RouteTableDef()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_MIN_DAYS = 400
CHARGE_KINDS = {ChargeKind.OVERDUE: "逾期罚款", ChargeKind.LOST: "丢书赔偿", ChargeKind.DAMAGE: "损坏赔偿",
                ChargeKind.THEFT: "偷窃赔偿"}

R, C, CARD = Column("读者"), Column("班级"), Column("借书证号")
OVERDUE_COLUMNS = (R, C, Column("书名"), Column("条形码"), Column("应还日期", "date"), Column("逾期天数", "int"))


def _overdue_table(title: str, rows: Sequence[lists.OverdueRow]) -> Table:
    return Table(title, OVERDUE_COLUMNS, [[r.reader, r.class_name, r.title, r.barcode, r.due_date, r.days_late]
                                          for r in rows], empty="没有逾期未还的书。")


def _not_borrowed_table(title: str, found: lists.NotBorrowed) -> Table:
    return Table(title, (C, R, CARD), [[r.class_name, r.reader, r.card_no] for r in found.rows],
                 note=f"{found.term}（{found.since.isoformat()} 开学）以来一本书也没借过的在读学生。",
                 empty="本学期每个学生都借过书了。")


def _corner_table(held: ClassCollection) -> Table:
    """The class's 班级图书角: the copies its class borrower holds (集体借阅), soonest due first."""
    return Table(f"{held.class_name} 班级图书角（集体借阅）",
                 (Column("书名"), Column("条形码"), Column("应还日期", "date"), Column("已催还")),
                 [[loan.title, loan.barcode, loan.due_date, "是" if loan.recalled else ""] for loan in held.loans],
                 note="整班借的书，由班主任负责；学期末前还回图书室。" if held.loans else "",
                 empty="这个班现在没有集体借阅的书。")


def _download_name(slug: str, today: date) -> str:
    return f"{slug}-{today.isoformat()}.xlsx"


def _xlsx(request: web.Request, slug: str, label: str, tables: Sequence[Table]) -> web.Response:
    """The workbook as an attachment: an ASCII filename (slug + date) and the Chinese one as filename*."""
    today = request.app[LIBRARY].today()
    ascii_name = _download_name(slug, today)
    utf8_name = quote(f"{label}-{today.isoformat()}.xlsx", safe="")
    body = workbook_bytes(tables)
    return web.Response(body=body, content_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _respond(request: web.Request, slug: str, label: str, tables: Sequence[Table],
             extra: dict[str, Any] | None = None, *, template: str = "lists/table.html") -> web.Response:
    if request.query.get("format") == "xlsx":
        return _xlsx(request, slug, label, tables)
    xlsx_query = request.query.copy()
    xlsx_query["format"] = "xlsx"
    return page(request, template, {"heading": label, "tables": tables, "show": show, "notice": "", "today": request.app[LIBRARY].today(),
                                    "xlsx_url": request.path + "?" + "&".join(
                                        f"{quote(k)}={quote(v)}" for k, v in xlsx_query.items()),
                                    "slug": slug, **(extra or {})})


@routes.get(f"{PREFIX}/lists")
@requires(Area.LISTS)
async def index(request: web.Request) -> web.Response:
    """The lists a librarian can open, print and download."""
    return page(request, "lists/index.html", {"links": LINKS})


def _min_days(value: str, errors: dict[str, str]) -> int:
    if not value.strip():
        return 1
    try:
        days = int(value.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_MIN_DAYS:
        errors["min_days"] = f"逾期天数请填 1 到 {MAX_MIN_DAYS} 之间的整数，例如 7。"
        return 1
    return days


@routes.get(f"{PREFIX}/lists/overdue")
@requires(Area.LISTS)
async def overdue(request: web.Request) -> web.Response:
    """逾期清单: whole school or one class (class=), at least min_days open days late, sort=days|class."""
    errors: dict[str, str] = {}
    # 三年级二班, 3年级2班 and ３（２）班 name the same class, as in the readers search.
    class_name = class_query(request.query.get("class", "")) or None
    min_days = _min_days(request.query.get("min_days", ""), errors)
    sort = OverdueSort.CLASS if request.query.get("sort") == OverdueSort.CLASS else OverdueSort.DAYS
    library = request.app[LIBRARY]
    form = {"class": class_name or "", "min_days": request.query.get("min_days", ""), "sort": sort.value}
    try:
        found = await asyncio.to_thread(lists.overdue, library, class_name=class_name, min_days=min_days, sort=sort)
    except NoSuchClass as unknown:
        errors["class"] = "没有这个班级。请从列表里选，或清空只看全校。"
        found = lists.OverdueList([], unknown.class_names, None)
    if errors:
        return page(request, "lists/overdue.html", {
            "heading": "逾期清单", "tables": [], "errors": errors, "form": form, "class_names": found.class_names,
            "xlsx_url": "", "today": library.today(), "slug": "overdue", "show": show}, status=400)
    title = f"{class_name} 逾期未还" if class_name else "全校逾期未还"
    if min_days > 1:
        title += f"（逾期 {min_days} 天及以上）"
    table = _overdue_table(title, found.rows)
    return _respond(request, "overdue", "逾期清单", [table],
                    {"errors": errors, "form": form, "class_names": found.class_names},
                    template="lists/overdue.html")


@routes.get(f"{PREFIX}/lists/charges")
@requires(Area.LISTS)
async def charges(request: web.Request) -> web.Response:
    """未结欠款: open charges (fines still accruing on books not yet back are not included)."""
    rows = await asyncio.to_thread(lists.open_charges, request.app[LIBRARY])
    table = Table("未交的罚款和赔偿", (R, C, Column("类别"), Column("金额（元）", "yuan"), Column("说明"),
                                   Column("记账日期", "date")),
                  [[r.reader, r.class_name, CHARGE_KINDS[r.kind], r.amount_fen, r.note, r.created_on] for r in rows],
                  note="还没还回的逾期书，罚款在还书时才记账，不在这里。", empty="没有未交的罚款或赔偿。",
                  total=("合计", 3, sum(r.amount_fen for r in rows)))
    return _respond(request, "charges", "欠款清单", [table])


@routes.get(f"{PREFIX}/lists/suspended")
@requires(Area.LISTS)
async def suspended(request: web.Request) -> web.Response:
    """暂停借阅的读者 and 教务处名单 (renewed books returned late this term)."""
    found = await asyncio.to_thread(lists.suspensions, request.app[LIBRARY])
    paused, office = found.suspended, found.academic_office
    tables = [
        Table("暂停借阅的读者", (R, C, CARD, Column("暂停到（含）", "date"), Column("原因")),
              [[r.reader, r.class_name, r.card_no, "图书室恢复为止" if is_indefinite(r.until) else r.until,
                r.reason or "续借后再次逾期"] for r in paused],
              note="“图书室恢复为止”：图书室暂停，没有写日期，到读者页恢复借书资格为止。",
              empty="现在没有暂停借阅的读者。"),
        Table("教务处名单：续借后又逾期", (Column("登记日期", "date"), R, C, Column("书名"), Column("条形码"),
                                    Column("逾期天数", "int"), Column("暂停到", "date")),
              [[r.reported_on, r.reader, r.class_name, r.title, r.barcode, r.days_late, r.suspended_until]
               for r in office],
              note="本学期续借过、还书时又逾期的记录（还书时自动登记）。", empty="本学期还没有续借后又逾期的记录。"),
    ]
    return _respond(request, "suspended", "暂停借阅和教务处名单", tables)


@routes.get(f"{PREFIX}/lists/holds")
@requires(Area.LISTS)
async def holds(request: web.Request) -> web.Response:
    """预约架: copies waiting for a reader, with the last day to pick them up."""
    rows = await asyncio.to_thread(lists.holds_waiting, request.app[LIBRARY])
    table = Table("预约架上等待取书", (R, C, Column("书名"), Column("条形码"), Column("到书日期", "date"),
                                   Column("最晚取书日", "date"), Column("状态")),
                  [[r.reader, r.class_name, r.title, r.barcode, r.ready_on, r.hold_until,
                    "已过期，请下架" if r.expired else "等待取书"] for r in rows],
                  empty="预约架上没有等待取的书。")
    return _respond(request, "holds", "预约架清单", [table])


def _copies_table(title: str, rows: Sequence[lists.CopyRow], *, lost: bool, empty: str) -> Table:
    columns = [Column("书名"), Column("条形码"), Column("索书号"), Column("馆藏位置"), Column("定价（元）", "yuan")]
    if lost:
        columns += [Column("丢失读者"), C, Column("登记丢失日期", "date")]
    return Table(title, tuple(columns), [[r.title, r.barcode, r.call_number, r.location, r.price_fen,
                                          *([r.reader, r.class_name, r.since] if lost else [])] for r in rows],
                 empty=empty)


@routes.get(f"{PREFIX}/lists/repair")
@requires(Area.LISTS)
async def repair(request: web.Request) -> web.Response:
    """在修的书: copies with status in repair."""
    rows = await asyncio.to_thread(lists.copies_in_repair, request.app[LIBRARY])
    return _respond(request, "repair", "在修图书清单",
                    [_copies_table("正在修补的书", rows, lost=False, empty="没有正在修补的书。")])


@routes.get(f"{PREFIX}/lists/lost")
@requires(Area.LISTS)
async def lost(request: web.Request) -> web.Response:
    """丢失的书: copies with status lost, and who lost them."""
    rows = await asyncio.to_thread(lists.lost_copies, request.app[LIBRARY])
    return _respond(request, "lost", "丢失图书清单",
                    [_copies_table("登记丢失的书", rows, lost=True, empty="没有登记丢失的书。")])


NO_TERM = "今天不在任何学期里，没法算“本学期没借过书”。请先在“校历”页添加本学期。"


@routes.get(f"{PREFIX}/lists/not-borrowed")
@requires(Area.LISTS)
async def not_borrowed(request: web.Request) -> web.Response:
    """本学期没借过书的学生, class by class."""
    try:
        found = await asyncio.to_thread(lists.not_borrowed, request.app[LIBRARY])
    except NoCurrentTerm:
        return page(request, "lists/table.html", {"heading": "本学期没借过书的学生", "tables": [],
                                                  "notice": NO_TERM, "xlsx_url": "", "slug": "not-borrowed",
                                                  "show": show,
                                                  "today": request.app[LIBRARY].today()}, status=409)
    return _respond(request, "not-borrowed", "未借书学生清单", [_not_borrowed_table("本学期没借过书的学生", found)])


@routes.get(f"{PREFIX}/lists/class")
@requires(Area.CLASS_LISTS)
async def class_page(request: web.Request) -> web.Response:
    """本班清单 (read-only): a class teacher's own class; a librarian picks one with class=; others 403."""
    staff = request[SESSION_KEY].staff
    library = request.app[LIBRARY]
    asked = class_query(request.query.get("class", ""))
    if staff.role == Role.CLASS_TEACHER:
        if staff.class_id is None or (asked and asked != staff.class_name):
            raise forbidden(f"<p>只能查看自己班（{html.escape(staff.class_name or '未指定班级')}）的清单。"
                            f"<a href=\"{PREFIX}/lists/class\">回到本班清单</a></p>")
        class_id: int | None = staff.class_id
    else:  # a librarian: any class, chosen by name
        if not asked:
            names = await asyncio.to_thread(lists.class_names, library)
            return page(request, "lists/choose.html", {"class_names": names, "error": ""})
        class_id = None
    try:
        result = await asyncio.to_thread(lists.class_lists, library, class_id=class_id,
                                         class_name=None if class_id is not None else asked)
    except NoSuchClass as unknown:
        return page(request, "lists/choose.html", {"class_names": unknown.class_names,
                                                   "error": "没有这个班级。请从列表里选一个班。"}, status=404)
    tables = [_overdue_table(f"{result.class_name} 逾期未还", result.overdue)]
    notice = ""
    if result.not_borrowed is not None:
        tables.append(_not_borrowed_table(f"{result.class_name} 本学期没借过书", result.not_borrowed))
    else:
        notice = "今天不在任何学期里，“本学期没借过书”要等校历里有本学期才能看。"
    if class_id is not None:  # a class teacher: their class's 生均 against the target (console/targets.py)
        from console.targets import class_target_table

        tables.append(await asyncio.to_thread(class_target_table, request, class_id))
    tables.append(_corner_table(await asyncio.to_thread(class_collection_by_name, library, result.class_name)))
    return _respond(request, "class", f"{result.class_name}清单", tables, {"notice": notice})


LINKS: tuple[tuple[str, str, str], ...] = (
    (f"{PREFIX}/lists/overdue", "逾期清单", "全校或一个班，按逾期天数或按班级排；可只看逾期多少天以上的。"),
    (f"{PREFIX}/lists/charges", "欠款清单", "还没交的罚款和赔偿。"),
    (f"{PREFIX}/lists/suspended", "暂停借阅和教务处名单", "暂停借阅的读者，本学期续借后又逾期的记录。"),
    (f"{PREFIX}/lists/holds", "预约架清单", "预约到书等待取的，和最晚取书日。"),
    (f"{PREFIX}/lists/repair", "在修图书", "正在修补、暂时不能借的书。"),
    (f"{PREFIX}/lists/lost", "丢失图书", "登记丢失的书和丢失的读者。"),
    (f"{PREFIX}/lists/not-borrowed", "未借书学生", "本学期一本书也没借过的学生，按班级。"),
    (f"{PREFIX}/lists/class", "某个班的清单", "一个班的逾期和未借书名单（班主任看到的页面）。"),
    (f"{PREFIX}/lists/targets", "借阅目标", "本学期各班、各年级的生均借阅与目标，差多少。"),
    (f"{PREFIX}/lists/honours", "表彰名单", "期末表彰：各年级阅读之星、先进班级（打印张贴，不推送）。"),
)
