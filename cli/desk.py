"""`shuxiang desk` (借还 at the front desk, scanner friendly) and `shuxiang inventory` (期末清点, 剔除)."""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import click

from cli.checked import numbered_library
from core import collection_words
from core import desk_words as words
from core.circulation import (
    ChargeTheft,
    CheckinItem,
    CheckoutItem,
    ClearReader,
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    NoteCondition,
    ReplaceCard,
    ReportCardLost,
    SettleCharge,
    charge_theft,
    checkin,
    checkout,
    clear_reader,
    finish_repair,
    mark_damaged,
    mark_lost,
    note_condition,
    replace_card,
    report_card_lost,
    settle_charge,
)
from core.circulation.collections import (
    CollectionBusy,
    SameClass,
    UnknownClass,
    class_collection_by_name,
    lend_to_class,
    move_collection,
    return_from_class,
)
from core.circulation.results import LoanCreated, LoanReturned
from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.desk import (
    BadClassName,
    DeskState,
    NeedReader,
    ReaderSummary,
    UnknownCode,
    issue_card,
    reader_summary,
    recall_and_notify,
    renew_by_barcode,
    scan,
)
from core.errors import Refused
from core.imports.values import parse_class, price_to_fen
from core.library import Library
from core.policy import PolicyError
from core.settings import Settings, SettingsError, load_settings

_PRICE = re.compile(r"\d+(?:\.\d*)?元?")  # 偷窃's optional price: 25, 25.5, 25元

HELP = """扫读者证选中读者，再扫书的条码就是借出；扫一本借出中的书就是归还。
其他操作（先写动作，再写条码或证号）：
  续借 条码        催还 条码        丢失 条码        损坏 条码 金额 [说明]      修好 条码
  缴费 欠款号      免除 欠款号      查 证号          挂失 证号      补证 旧证号 新证号
  办证 证号 姓名 [班级]            清退 证号（离校/调离结清）        完（换下一位读者）  帮助        退出
  原有损坏 条码 说明（借出前记下书已有的缺页、污损、加记印章，还书时不算读者的）
  借出 证号 条码 原有损坏 说明（借出并记下这本书已有的损坏）
  偷窃 证号 条码 [书价] [说明]（按书价的倍数记欠款，书价只在没登记时写）"""

CONDITION_WORD = "原有损坏"  # in a 借出 line: what follows is the copy's existing damage
STATUS_NAMES = {"card_lost": "（此证已挂失，不能借书；补证后可继续）", "left": "（已注销）", "active": ""}


# Which rule's wording (core.desk_words.ACTIONS) a refused command uses.
ACTION_OF = {"_scan": "checkout", "_checkout": "checkout", "_checkin": "checkin", "_renew": "renew",
             "_recall": "recall", "_lost": "lost", "_damaged": "damaged", "_repaired": "repaired", "_pay": "pay",
             "_waive": "waive", "_reader": "reader", "_card_lost": "card_lost", "_replace": "replace_card",
             "_clear": "clear", "_issue": "issue_card", "_theft": "theft", "_condition": "condition"}


def _db_option(func: Callable[..., None]) -> Callable[..., None]:
    return click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True, envvar="SHUXIANG_DATABASE_URL",
                        help="SQLAlchemy URL or a SQLite file path.")(func)


class Desk:
    """One desk session: turns typed or scanned lines into circulation calls and Chinese answers."""

    def __init__(self, library: Library, actor: str = "desk", settings: Settings | None = None) -> None:
        self.library, self.actor, self.state = library, actor, DeskState()
        self.settings = settings  # for the recall notice's channels and quiet hours; else the environment's
        self.commands: dict[str, Callable[[list[str]], str]] = {}
        for names, handler in (
            (("续借", "续", "renew"), self._renew), (("催还", "催", "recall"), self._recall),
            (("丢失", "丢", "lost"), self._lost), (("损坏", "损", "damaged"), self._damaged),
            (("修好", "repaired"), self._repaired), (("缴费", "缴", "pay"), self._pay),
            (("免除", "免", "waive"), self._waive), (("查", "读者", "reader"), self._reader),
            (("挂失", "card-lost"), self._card_lost), (("补证", "replace-card"), self._replace),
            (("清退", "clear"), self._clear), (("办证", "issue-card"), self._issue), (("还", "归还", "checkin"), self._checkin),
            (("借", "借出", "checkout"), self._checkout), (("完", "下一位", "next"), self._next),
            (("偷窃", "theft"), self._theft), (("原有损坏", "记损", "condition"), self._condition),
            (("帮助", "help", "?"), lambda _: HELP),
        ):
            for name in names:
                self.commands[name] = handler

    def handle(self, line: str) -> str:
        """Answer one line; refusals become their Chinese reasons, never a traceback."""
        parts = line.split()
        if not parts:
            return ""
        handler = self.commands.get(parts[0].lower())
        action = ACTION_OF.get(handler.__name__ if handler is not None else "_scan", "")
        try:
            if handler is None:
                return self._scan(parts[0])
            if len(parts) < 2 and handler not in (self._next,) and parts[0] not in ("帮助", "help", "?"):
                return f"请在“{parts[0]}”后面写上条码或证号。输入“帮助”查看用法。"
            return handler(parts[1:])
        except Refused as exc:
            return f"✗ {words.refusal(action, exc)}。"

    def _scan(self, code: str) -> str:
        outcome = scan(self.library, self.state, code, actor=self.actor)
        if isinstance(outcome, ReaderSummary):
            return _summary(outcome) + "\n请扫描要借的书。"
        if isinstance(outcome, LoanCreated):
            return words.lent(outcome)
        if isinstance(outcome, LoanReturned):
            return _returned(outcome)
        if isinstance(outcome, NeedReader):
            return f"《{outcome.title}》在馆。要借出请先扫读者证。"
        assert isinstance(outcome, UnknownCode)
        return f"？没有找到条码或证号“{outcome.code}”。输入“帮助”查看用法。"

    def _checkout(self, args: list[str]) -> str:
        note = ""
        if CONDITION_WORD in args:  # 借出 证号 条码 原有损坏 缺页: the copy's damage, recorded as it goes out
            at = args.index(CONDITION_WORD)
            args, note = args[:at], " ".join(args[at + 1:])
            if len(args) != 2 or not note:
                return f"请写：借出 证号 条码 {CONDITION_WORD} 说明（一次一本），例如：借出 S30201 B0001 {CONDITION_WORD} 缺页"
        if len(args) < 2:
            return "请写：借出 证号 条码 [条码…]"
        summary = reader_summary(self.library, args[0])
        self.state.card_no = summary.card_no
        lines = [_summary(summary).split("\n")[0]]
        for code in args[1:]:
            lines.append(self._each(code, "checkout", lambda c: words.lent(checkout(
                self.library, CheckoutItem(summary.card_no, c, actor=self.actor, condition_note=note)))))
        return "\n".join(lines)

    def _condition(self, args: list[str]) -> str:
        if len(args) < 2:
            return f"请写：{CONDITION_WORD} 条码 说明，例如：{CONDITION_WORD} B0001 缺页"
        done = note_condition(self.library, NoteCondition(args[0], " ".join(args[1:]), actor=self.actor))
        return words.condition_noted(done.barcode, done.title, done.condition_note)

    def _theft(self, args: list[str]) -> str:
        if len(args) < 2:
            return "请写：偷窃 证号 条码 [书价] [说明]，例如：偷窃 S30201 B0001 在门口发现未借书带出"
        rest = args[2:]
        price = None
        # A price is digits with an optional decimal part and 元 (25, 25.5, 25元); anything else that
        # starts with a digit (3楼门口发现) is the note.
        if rest and _PRICE.fullmatch(unicodedata.normalize("NFKC", rest[0])):
            price = price_to_fen(rest[0])
            if price is None or price <= 0:
                return f"书价“{rest[0]}”看不懂，例如：偷窃 S30201 B0001 25元"
            rest = rest[1:]
        done = charge_theft(self.library, ChargeTheft(args[0], args[1], " ".join(rest), price, actor=self.actor))
        return words.theft(done)

    def _checkin(self, args: list[str]) -> str:
        return "\n".join(self._each(code, "checkin", lambda c: _returned(checkin(self.library, CheckinItem(c, actor=self.actor))))
                         for code in args)

    def _each(self, code: str, action: str, do: Callable[[str], str]) -> str:
        """One book of several: a refusal is reported for that book and the others go on."""
        try:
            return do(code)
        except Refused as exc:
            return f"✗ {code} {words.refusal(action, exc)}。"

    def _renew(self, args: list[str]) -> str:
        return words.renewed(renew_by_barcode(self.library, args[0], actor=self.actor))

    def _recall(self, args: list[str]) -> str:
        settings = self.settings or load_settings()
        return words.recalled(recall_and_notify(self.library, settings, args[0], actor=self.actor))

    def _lost(self, args: list[str]) -> str:
        return words.lost(mark_lost(self.library, MarkItemLost(args[0], actor=self.actor)))

    def _damaged(self, args: list[str]) -> str:
        fee = price_to_fen(args[1]) if len(args) > 1 else 0
        if fee is None:
            return f"金额“{args[1]}”看不懂，例如：损坏 B0001 5元"
        done = mark_damaged(self.library, MarkItemDamaged(args[0], fee, " ".join(args[2:]), actor=self.actor))
        first, *rest = words.damaged(done)
        return "\n".join([first, *("  " + line for line in rest)])

    def _repaired(self, args: list[str]) -> str:
        finish_repair(self.library, FinishRepair(args[0], actor=self.actor))
        return words.repaired(args[0])

    def _settle(self, args: list[str], waive: bool) -> str:
        if not args[0].isdigit():
            return "请写欠款号（扫读者证或“查 证号”可以看到），例如：缴费 12"
        charge = settle_charge(self.library, SettleCharge(int(args[0]), waive=waive, note=" ".join(args[1:]),
                                                          actor=self.actor))
        return words.settled(charge.id, charge.amount_fen, waived=waive)

    def _pay(self, args: list[str]) -> str:
        return self._settle(args, waive=False)

    def _waive(self, args: list[str]) -> str:
        return self._settle(args, waive=True)

    def _reader(self, args: list[str]) -> str:
        summary = reader_summary(self.library, args[0])
        self.state.card_no = summary.card_no
        return _summary(summary)

    def _card_lost(self, args: list[str]) -> str:
        report_card_lost(self.library, ReportCardLost(args[0], actor=self.actor))
        return f"✓ 借书证 {args[0].upper()} 已挂失，立即停用。补办请用：补证 {args[0].upper()} 新证号"

    def _replace(self, args: list[str]) -> str:
        if len(args) < 2:
            return "请写：补证 旧证号 新证号"
        return words.card_replaced(replace_card(self.library, ReplaceCard(args[0], args[1], actor=self.actor)))

    def _issue(self, args: list[str]) -> str:
        if len(args) < 2:
            return "请写：办证 证号 姓名 [班级]，例如：办证 S2026001 王小明 三年级2班（不写班级为教师证）"
        try:
            summary = issue_card(self.library, args[0], args[1], class_name=args[2] if len(args) > 2 else None,
                                 actor=self.actor)
        except BadClassName as exc:
            return f"班级“{exc}”看不懂，例如：三年级2班、3(2)班。"
        self.state.card_no = summary.card_no
        who = summary.class_name or "教师"
        return f"✓ 已办证：{summary.name}（{who}），证号 {summary.card_no}。可以直接扫书借出。"

    def _clear(self, args: list[str]) -> str:
        return words.cleared(clear_reader(self.library, ClearReader(args[0], actor=self.actor)))

    def _next(self, _: list[str]) -> str:
        self.state.card_no = None
        return "好的，请扫下一位读者的证。"


def _summary(s: ReaderSummary) -> str:
    who = f"{s.class_name}{s.name}（{s.card_no}）{STATUS_NAMES.get(s.status.value, '')}"
    lines = [f"读者：{who}，在借{len(s.loans)}本"]
    lines += [f"  {'逾期 ' if o.overdue else ''}《{o.title}》{o.barcode} {words.day(o.due_date)}到期" for o in s.loans]
    if s.suspended_until:
        lines.append(f"  {words.suspension(s.suspended_until, s.suspension_reason)}")
    for c in s.charges:
        kind = words.CHARGE_KINDS.get(c.kind, c.kind)
        lines.append(f"  欠款{c.charge_id}：{kind} {words.yuan(c.amount_fen)} {c.note}".rstrip())
    return "\n".join(lines)


def _returned(r: LoanReturned) -> str:
    first, *rest = words.returned(r)
    return "\n".join([first, *("  " + line for line in rest)])


@click.group(invoke_without_command=True)
@click.option("--db", "db_url", default=None, envvar="SHUXIANG_DATABASE_URL",
              help=f"SQLAlchemy URL or a SQLite file path (default: [database] url, else {DEFAULT_DB_URL}).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
              envvar="SHUXIANG_CONFIG", help="The server's config.toml: its [policy], channels and quiet hours.")
@click.pass_context
def desk(ctx: click.Context, db_url: str | None, config: str | None) -> None:
    """借还台：扫证选读者，扫条码借出/归还；也可以一行一个命令从文件或管道输入。"""
    ctx.obj = (db_url, config)
    if ctx.invoked_subcommand is not None:
        return
    library, settings = _open_desk(db_url, config)
    counter = Desk(library, settings=settings)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(HELP)
    try:
        while True:
            try:
                line = input("借还> " if interactive else "")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip() in ("退出", "q", "quit", "exit"):
                break
            answer = counter.handle(line)
            if answer:
                click.echo(answer)
    finally:
        library.close()


def _open_desk(db_url: str | None, config: str | None) -> tuple[Library, Settings]:
    """The library and settings as the server has them: [policy] from the config file, and its channels
    and quiet hours for the notices the desk queues (催还); --db overrides [database] url."""
    from bot.bootstrap import build_settings, open_library

    try:
        settings = build_settings(config, db=db_url)
        return open_library(settings, system_clock), settings
    except (SettingsError, PolicyError) as exc:
        raise click.ClickException(str(exc)) from None


def _one(line_of: Callable[..., str]) -> Callable[..., None]:
    def run(**kwargs: object) -> None:
        library, settings = _open_desk(*click.get_current_context().obj)
        try:
            answer = Desk(library, settings=settings).handle(line_of(**kwargs))
        finally:
            library.close()
        click.echo(answer)
        if answer.startswith(("✗", "？")):
            raise SystemExit(1)
    run.__doc__ = line_of.__doc__
    return run


def _add(name: str, params: list[click.Parameter], line_of: Callable[..., str]) -> None:
    desk.add_command(click.Command(name, callback=_one(line_of), params=params, help=line_of.__doc__))


_BARCODES = [click.Argument(["barcodes"], nargs=-1, required=True)]
_CARD = [click.Argument(["card"])]
_add("checkout", [click.Argument(["card"]), *_BARCODES,
                  click.Option(["--condition"], default="", help="书已有的损坏（缺页、污损、加记印章），借出时记下；一次一本。")],
     lambda card, barcodes, condition: f"借出 {card} {' '.join(barcodes)}"
     + (f" {CONDITION_WORD} {condition}" if condition.strip() else ""))
_add("checkin", _BARCODES, lambda barcodes: f"归还 {' '.join(barcodes)}")
_add("renew", [click.Argument(["barcode"])], lambda barcode: f"续借 {barcode}")
_add("recall", [click.Argument(["barcode"])], lambda barcode: f"催还 {barcode}")
_add("lost", [click.Argument(["barcode"])], lambda barcode: f"丢失 {barcode}")
_add("damaged", [click.Argument(["barcode"]), click.Argument(["fee"])], lambda barcode, fee: f"损坏 {barcode} {fee}")
_add("repaired", [click.Argument(["barcode"])], lambda barcode: f"修好 {barcode}")
_add("pay", [click.Argument(["charge_id"])], lambda charge_id: f"缴费 {charge_id}")
_add("waive", [click.Argument(["charge_id"])], lambda charge_id: f"免除 {charge_id}")
_add("reader", _CARD, lambda card: f"查 {card}")
_add("card-lost", _CARD, lambda card: f"挂失 {card}")
_add("replace-card", [click.Argument(["old"]), click.Argument(["new"])], lambda old, new: f"补证 {old} {new}")
_add("clear", _CARD, lambda card: f"清退 {card}")
_add("theft", [click.Argument(["card"]), click.Argument(["barcode"]),
               click.Option(["--price"], default="", help="书价（元），只在这本书没登记书价时写。"),
               click.Option(["--note"], default="", help="说明，例如：在门口发现未借书带出。")],
     lambda card, barcode, price, note: f"偷窃 {card} {barcode} {price} {note}")
_add("condition", [click.Argument(["barcode"]), click.Argument(["note"], nargs=-1, required=True)],
     lambda barcode, note: f"{CONDITION_WORD} {barcode} {' '.join(note)}")
_add("issue-card", [click.Argument(["card"]), click.Argument(["name"]), click.Argument(["class_name"], required=False)],
     lambda card, name, class_name: f"办证 {card} {name} {class_name or ''}")


@click.group()
def inventory() -> None:
    """期末清点（扫描架上的书，找出缺失、错架、不该在架上的书）与剔除注销。"""


@inventory.command("start")
@click.argument("name")
@click.option("--location", default="", help="只清点这个馆藏地（前缀匹配，如“二楼”）；默认全馆。")
@_db_option
def inventory_start(name: str, location: str, db_url: str) -> None:
    """开始一次清点，打印清点号。"""
    from core.inventory import start_inventory

    library = Library.open(db_url, clock=system_clock)
    try:
        number = start_inventory(library, name, location)
    finally:
        library.close()
    click.echo(f"已开始清点“{name}”，清点号 {number}。扫描：shuxiang inventory scan {number} --shelf 书架 [条码文件]")


@inventory.command("scan")
@click.argument("session_id", type=int)
@click.argument("file", type=click.Path(path_type=Path, exists=True), required=False)
@click.option("--shelf", default="", help="这些书是在哪个书架上扫到的（用来发现错架）。")
@_db_option
def inventory_scan(session_id: int, file: Path | None, shelf: str, db_url: str) -> None:
    """记录扫到的条码：从文件（扫描枪导出的一行一个条码）或直接扫（回车结束一本，Ctrl-D 结束）。"""
    from core.inventory import record_scans

    text = file.read_text(encoding="utf-8-sig") if file else sys.stdin.read()
    with numbered_library(db_url) as library:
        new, repeated = record_scans(library, session_id, text.split(), shelf)
    click.echo(f"记录了{new}本" + (f"，{repeated}本之前已扫过" if repeated else "") + "。")


@inventory.command("report")
@click.argument("session_id", type=int)
@_db_option
def inventory_report(session_id: int, db_url: str) -> None:
    """清点结果：缺失、错架、意外在架。"""
    from core.inventory import stock_take

    with numbered_library(db_url) as library:
        result = stock_take(library, session_id)
    click.echo(f"清点“{result.name}”：应在架{result.expected}本，扫到{result.scanned}本，"
               f"缺失{len(result.missing)}本，错架{len(result.misplaced)}本，异常{len(result.unexpected)}本。")
    for c in result.missing:
        click.echo(f"  缺失 {c.barcode}《{c.title}》{c.call_number} 应在{c.location}")
    for c, shelf in result.misplaced:
        click.echo(f"  错架 {c.barcode}《{c.title}》在{shelf}，应在{c.location}")
    for barcode, title, why in result.unexpected:
        click.echo(f"  异常 {barcode}{'《' + title + '》' if title else ''}：{why}")


@inventory.command("close")
@click.argument("session_id", type=int)
@_db_option
def inventory_close(session_id: int, db_url: str) -> None:
    """结束清点：之后不再接受扫描，结果仍可用 report 查看。"""
    from core.inventory import close_inventory

    with numbered_library(db_url) as library:
        closed = close_inventory(library, session_id)
    click.echo(f"第{session_id}次清点" + ("已结束。" if closed else "之前已经结束了。") + f"结果：shuxiang inventory report {session_id}")


@inventory.command("weed")
@click.argument("barcodes", nargs=-1)
@click.option("--reason", required=True, help="剔除原因，如：破损无法修补、内容过时、丢失注销。")
@click.option("--batch", default="", help="批次（如“2026秋剔旧”），便于资产账目核对。")
@click.option("--from-file", type=click.Path(path_type=Path, exists=True), default=None, help="一行一个条码。")
@_db_option
def inventory_weed(barcodes: tuple[str, ...], reason: str, batch: str, from_file: Path | None, db_url: str) -> None:
    """剔除/注销图书：状态改为已注销，并留下剔除记录。"""
    from core.inventory import weed

    codes = list(barcodes) + (from_file.read_text(encoding="utf-8-sig").split() if from_file else [])
    library = Library.open(db_url, clock=system_clock)
    try:
        result = weed(library, codes, reason, batch=batch)
    finally:
        library.close()
    for c in result.withdrawn:
        click.echo(f"✓ 注销 {c.barcode}《{c.title}》")
    for barcode, exc in result.refused:
        click.echo(f"✗ {barcode}：{words.refusal('withdraw', exc)}")
    click.echo(f"共注销{len(result.withdrawn)}本" + (f"，{len(result.refused)}本未处理" if result.refused else "") + "。")


# 集体借阅 / 班级图书角 / 漂流 (core/circulation/collections.py): a whole class's set at once.
def _class_command(name: str, params: list[click.Parameter], run: Callable[..., tuple[list[str], bool]],
                   help_text: str) -> None:
    def callback(**kwargs: object) -> None:
        library, _settings = _open_desk(*click.get_current_context().obj)  # the server's [policy], as the desk
        try:
            lines, ok = run(library, **kwargs)
        except UnknownClass as exc:
            lines, ok = [f"？没有找到班级“{exc.asked}”，请写全称，如 三年级2班。"], False
        except SameClass:
            lines, ok = ["？两个班是同一个班，不用转。"], False
        except CollectionBusy:
            lines, ok = ["✗ " + collection_words.BUSY_MOVE], False
        except Refused as exc:
            lines, ok = ["✗ " + words.refusal("checkout", exc)], False
        finally:
            library.close()
        click.echo("\n".join(lines))
        if not ok:
            raise SystemExit(1)
    desk.add_command(click.Command(name, callback=callback, params=params, help=help_text))


def _class_loan(library: Library, class_name: str, barcodes: tuple[str, ...]) -> tuple[list[str], bool]:
    batch = lend_to_class(library, class_name, barcodes)
    return collection_words.lent(batch), batch.refused == 0


def _class_return(library: Library, codes: tuple[str, ...]) -> tuple[list[str], bool]:
    """The first argument may be a class (then every copy it holds, or only the barcodes that follow)."""
    class_name = None
    if codes and parse_class(codes[0]) is not None:
        class_name, codes = codes[0], codes[1:]
    head = []
    if class_name and not codes:  # the whole set without scanning: say how many it is before the lines
        held = class_collection_by_name(library, class_name)
        head = [f"整班归还：{held.class_name}班级图书角借着{len(held.loans)}本。"] if held.loans else []
    batch = return_from_class(library, codes, class_name=class_name)
    return head + collection_words.returned(batch), batch.refused == 0


def _class_move(library: Library, from_class: str, to_class: str) -> tuple[list[str], bool]:
    return [collection_words.moved(move_collection(library, from_class, to_class))], True


def _class_show(library: Library, class_name: str) -> tuple[list[str], bool]:
    limit = library.policy.class_collection_rule().max_items
    return collection_words.holdings(class_collection_by_name(library, class_name), limit), True


_class_command("class-loan", [click.Argument(["class_name"]), *_BARCODES], _class_loan,
               "集体借阅：把扫到的书借给整个班（班级图书角），每本书单独报告借出或不能借的原因。")
_class_command("class-return", [click.Argument(["codes"], nargs=-1, required=True)], _class_return,
               "集体归还：扫条码归还；第一个参数写班级（如 三年级2班）而不跟条码时，归还这个班借的全部书。")
_class_command("class-move", [click.Argument(["from_class"]), click.Argument(["to_class"])], _class_move,
               "图书漂流：把一个班借的全部书转给另一个班（一次完成，还书日不变）。")
_class_command("class-show", [click.Argument(["class_name"])], _class_show, "查看一个班现在集体借阅的书。")
