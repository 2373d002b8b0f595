"""登记帐 at /admin/registers (librarians): the registers a school keeps, each a page and an xlsx.

分类帐, 总括帐, 入藏 (acquisitions), 注销帐, 修补登记 and 罚赔款, from core.registers. Every page takes
a period: `term` (a term's name) or `from`/`to` (school dates, YYYY-MM-DD); the default is the
current term. The ledgers (分类帐, 总括帐) are taken on the period's last day (today while it runs).
`?format=xlsx` downloads the same tables (console.lists_xlsx) that the page shows.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, requires
from console.lists_xlsx import Column, Table, show, workbook_bytes
from console.params import DAY_RANGE, school_day
from console.views import page
from core import registers as reg
from core.library import Library
from core.staff import Area

routes = web.RouteTableDef()
REGISTERS = f"{PREFIX}/registers"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS = {"available": "在架", "held": "预约架", "on_loan": "借出", "in_repair": "修补中", "lost": "丢失",
          "withdrawn": "已注销"}
YUAN, INT, DAY = "yuan", "int", "date"


@dataclass(frozen=True)
class RegisterTable(Table):
    """A register's table with its closing rows (合计, 其中…) apart from the data rows.

    The page shows `foot` under the rows and counts only the data rows (（N 条）); the xlsx has the
    foot rows after the data rows. Cells as in Table (fen for yuan columns).
    """

    foot: tuple[tuple[object, ...], ...] = ()

    def for_xlsx(self) -> Table:
        """The same table with the foot rows appended, for console.lists_xlsx.workbook_bytes."""
        return Table(self.title, self.columns, [*self.rows, *(list(row) for row in self.foot)], self.note,
                     self.empty, self.total)


def _lost_note(library: Library, as_of: date) -> tuple[str, tuple[object, ...] | None]:
    """What the total includes: the lost copies not yet written off (note text, and their count and fen)."""
    copies, fen = reg.lost_on_books(library, as_of)
    if not copies:
        return "合计里没有丢失的书。", None
    return (f"合计含丢失未注销的 {copies} 册（{fen / 100:.2f} 元）：它们注销前仍在册。统计报表的“馆藏册数”"
            f"不算丢失的书，所以比这里少 {copies} 册（按今天的状态）。", (copies, fen))


def classes_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """分类帐 on the period's last day (today while it runs): one row per 中图法 class and a total."""
    as_of = period.as_of(library.today())
    lines = reg.classified_ledger(library, as_of)
    rows: list[list[object]] = [[c.code, c.name, c.titles, c.copies, c.value_fen] for c in lines]
    lost_text, lost = _lost_note(library, as_of)
    foot: list[tuple[object, ...]] = [("合计", "", sum(c.titles for c in lines), sum(c.copies for c in lines),
                                       sum(c.value_fen for c in lines))]
    if lost:
        foot.append(("其中丢失未注销", "", None, *lost))
    return [RegisterTable(f"分类帐（截至{as_of.isoformat()}）",
                          (Column("类号"), Column("类名"), Column("种数", INT), Column("册数", INT),
                           Column("金额（元）", YUAN)), rows,
                          note="在册 = 已入藏、未注销（丢失的书在注销前仍在册）。分类按书目的中图法分类号，没有时按索书号。"
                          + lost_text, foot=tuple(foot))]


def general_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """总括帐: per year 上年结存, 本年增加, 本年注销, 结存 (copies and yuan), and the totals since the first year."""
    as_of = period.as_of(library.today())
    lines = reg.general_ledger(library, as_of)
    rows: list[list[object]] = [[str(y.year), y.opening, y.opening_fen, y.added, y.added_fen, y.withdrawn,
                                 y.withdrawn_fen, y.balance, y.balance_fen] for y in lines]
    foot: list[tuple[object, ...]] = []
    lost_text, lost = _lost_note(library, as_of)
    if lines:
        foot.append(("合计", None, None, sum(y.added for y in lines), sum(y.added_fen for y in lines),
                     sum(y.withdrawn for y in lines), sum(y.withdrawn_fen for y in lines), lines[-1].balance,
                     lines[-1].balance_fen))
        if lost:
            foot.append(("其中丢失未注销", None, None, None, None, None, None, *lost))
    return [RegisterTable(f"总括帐（截至{as_of.isoformat()}）",
                          (Column("年度"), Column("上年结存（册）", INT), Column("上年结存金额（元）", YUAN),
                           Column("本年增加（册）", INT), Column("增加金额（元）", YUAN), Column("本年注销（册）", INT),
                           Column("注销金额（元）", YUAN), Column("结存（册）", INT), Column("结存金额（元）", YUAN)), rows,
                          note="按入藏日期和注销日期所在的年份（北京时间）；最后一年算到截至那天。"
                          + (lost_text.replace("合计", "结存") if lines else ""), empty="还没有入藏的书。", foot=tuple(foot))]


def acquisitions_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """入藏: per term, source and donor: titles, copies, value."""
    lines = reg.acquisitions(library, period.start, period.end)
    rows: list[list[object]] = [[a.term, a.source, a.donor, a.titles, a.copies, a.value_fen] for a in lines]
    # 种数 has no total: a title bought in two terms or from two sources is in two rows.
    foot = (("合计", None, None, None, sum(a.copies for a in lines), sum(a.value_fen for a in lines)),) if lines else ()
    return [RegisterTable(f"入藏登记（{period.label}）",
                          (Column("学期"), Column("来源"), Column("捐赠人"), Column("种数", INT), Column("册数", INT),
                           Column("金额（元）", YUAN)), rows, empty="这段时间没有新入藏的书。",
                          note="两个学期之间（假期）入藏的书算入下一个学期。", foot=foot)]


def weeding_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """注销帐: each copy written off in the period, with its value and a total."""
    lines = reg.weeding_register(library, period.start, period.end)
    rows: list[list[object]] = [[w.day, w.batch, w.barcode, w.title, w.call_number, w.price_fen,
                                 STATUS.get(w.previous_status, w.previous_status), w.reason] for w in lines]
    return [Table(f"注销帐（{period.label}）",
                  (Column("注销日期", DAY), Column("批次"), Column("条码"), Column("书名"), Column("索书号"),
                   Column("金额（元）", YUAN), Column("注销前状态"), Column("原因")), rows,
                  empty="这段时间没有注销的书。", total=("合计", 5, sum(w.price_fen for w in lines)))]


def repair_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """修补登记: copies sent to repair in the period and the day each came back."""
    lines = reg.repair_register(library, period.start, period.end)
    rows: list[list[object]] = [[r.sent, r.barcode, r.title, r.note, r.fee_fen, r.back or "仍在修补"]
                                for r in lines]
    return [Table(f"修补登记（{period.label}）",
                  (Column("送修日期", DAY), Column("条码"), Column("书名"), Column("损坏说明"), Column("修补费（元）", YUAN),
                   Column("修好日期", DAY)), rows, empty="这段时间没有送修的书。")]


def charges_tables(library: Library, period: reg.RegisterPeriod) -> list[Table]:
    """罚赔款: totals by state and by kind, then each charge (no reader names)."""
    found = reg.charges_register(library, period.start, period.end)
    money = (Column("笔数", INT), Column("金额（元）", YUAN))
    return [
        Table(f"罚赔款汇总（{period.label}）", (Column("状态"), *money),
              [[k, n, fen] for k, (n, fen) in found.by_status.items()],
              total=("合计", 2, sum(fen for _, fen in found.by_status.values()))),
        Table("按种类", (Column("种类"), *money), [[k, n, fen] for k, (n, fen) in found.by_kind.items()]),
        Table("明细", (Column("产生日期", DAY), Column("种类"), Column("金额（元）", YUAN), Column("状态"),
                     Column("结清日期", DAY), Column("说明")),
              [[c.raised, c.kind, c.amount_fen, c.status, c.settled, c.note] for c in found.lines],
              empty="这段时间没有罚款或赔偿。", note="按产生日期统计；状态是今天的状态。读者姓名请在借还台或清单里查。"),
    ]


# slug → (tab label, tables)
REGISTER_PAGES: dict[str, tuple[str, Callable[[Library, reg.RegisterPeriod], list[Table]]]] = {
    "classes": ("分类帐", classes_tables),
    "general": ("总括帐", general_tables),
    "acquisitions": ("入藏登记", acquisitions_tables),
    "weeding": ("注销帐", weeding_tables),
    "repairs": ("修补登记", repair_tables),
    "charges": ("罚赔款", charges_tables),
}


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    day = school_day(raw)
    if day is None:
        errors.append(f"{label}“{raw[:20]}”看不懂，请写成 2026-09-01 这样的日期（{DAY_RANGE}之间）。")
    return day


def _xlsx(library: Library, slug: str, label: str, tables: Sequence[Table]) -> web.Response:
    today = library.today().isoformat()
    utf8 = quote(f"{label}-{today}.xlsx", safe="")
    sheets = [t.for_xlsx() if isinstance(t, RegisterTable) else t for t in tables]
    return web.Response(body=workbook_bytes(sheets), content_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"register-{slug}-{today}.xlsx\"; filename*=UTF-8''{utf8}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@routes.get(REGISTERS)
@requires(Area.REGISTERS)
async def index(request: web.Request) -> web.Response:
    """The registers start at the 分类帐."""
    raise web.HTTPFound(f"{REGISTERS}/classes")


@routes.get(REGISTERS + "/{slug}")
@requires(Area.REGISTERS)
async def register(request: web.Request) -> web.Response:
    """One register for the period in the query (`term`, or `from`/`to`), as a page or `?format=xlsx`."""
    slug = request.match_info["slug"]
    if slug not in REGISTER_PAGES:
        raise web.HTTPNotFound(text="没有这个登记帐。")
    label, build = REGISTER_PAGES[slug]
    library, q = request.app[LIBRARY], request.query
    errors: list[str] = []
    start, end = _day(q.get("from", ""), "开始日期", errors), _day(q.get("to", ""), "结束日期", errors)
    if start and end and start > end:
        errors.append("开始日期晚于结束日期，请对调一下。")
        start = end = None
    term = q.get("term", "").strip()[:60]

    def load() -> tuple[reg.RegisterPeriod, list[Table], list[tuple[str, date, date]]]:
        try:
            period = reg.register_period(library, term=term, start=start, end=end)
        except LookupError as missing:
            errors.append(f"{missing}，已改为显示当前学期。")
            period = reg.register_period(library)
        return period, build(library, period), reg.term_names(library)

    period, tables, terms = await asyncio.to_thread(load)
    if q.get("format") == "xlsx" and not errors:
        return _xlsx(library, slug, label, tables)
    query: dict[str, Any] = {k: v for k, v in q.items() if k in ("term", "from", "to") and v}
    xlsx_url = f"{REGISTERS}/{slug}?" + "&".join(f"{k}={quote(v)}" for k, v in {**query, "format": "xlsx"}.items())
    return page(request, "registers/page.html", {
        "heading": label, "slug": slug, "pages": REGISTER_PAGES, "registers": REGISTERS, "tables": tables,
        "show": show, "period": period, "terms": terms, "term": term, "errors": errors,
        "from_value": q.get("from", "")[:20], "to_value": q.get("to", "")[:20], "xlsx_url": xlsx_url,
        "today": library.today(), "query": "&".join(f"{k}={quote(v)}" for k, v in query.items())},
        status=400 if errors else 200)
