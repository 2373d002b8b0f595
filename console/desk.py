"""The desk (借还台) at /admin/desk: one scan box; a card selects the reader, a barcode lends or returns.

Each view reads the form into a typed command, calls one core service (core.desk) in a worker
thread and renders the desk: the whole page for a plain form post, only the `#desk` part for htmx
(`HX-Request`), which swaps it in place and refocuses the scan box. The selected reader travels in
the form (`card`), so the page keeps no state of its own and works without JavaScript.

Who may do what (core.staff.may): lending, returning and renewing need Area.DESK (helpers too);
recall, lost, damaged, repaired, card lost/replaced and clearance need Area.CIRCULATION; paying or
waiving a charge needs Area.MONEY (librarians only; a helper gets 403).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, SESSION_KEY, forbidden, requires
from console.params import record_id
from console.text import fold_code
from console.views import page
from core import desk_words as words
from core.circulation import (
    ChargeTheft,
    ClearReader,
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    NoteCondition,
    ReplaceCard,
    ReportCardLost,
    SettleCharge,
    charge_theft,
    clear_reader,
    finish_repair,
    mark_damaged,
    mark_lost,
    note_condition,
    preview_theft,
    replace_card,
    report_card_lost,
    settle_charge,
)
from core.circulation.results import (
    CardReplaced,
    ConditionNoted,
    ItemDamaged,
    ItemLost,
    LoanCreated,
    LoanRecalled,
    LoanRenewed,
    LoanReturned,
    ReaderCleared,
    TheftCharged,
    TheftPreview,
)
from core.desk import (
    DeskAnswer,
    NeedReader,
    ReaderSummary,
    UnknownCode,
    at_desk,
    desk_scan,
    recall_and_notify,
    renew_by_barcode,
)
from core.imports.values import price_to_fen
from core.library import Library
from core.models import Reader, ReaderType
from core.settings import Settings
from core.staff import Area, may

routes = web.RouteTableDef()
DESK = f"{PREFIX}/desk"
MAX_CODE = 64  # longer than any card number or barcode: a scanner glitch or a paste


@dataclass(frozen=True)
class Said:
    """One line of the answer beside the scan box; `refused` makes it loud (colour and a beep)."""

    text: str
    refused: bool = False
    lines: tuple[str, ...] = ()
    confirm: tuple[tuple[str, str], ...] = ()  # a theft to confirm: the form's fields, posted again with confirm=1
    confirm_label: str = ""


class FormError(ValueError):
    """A form field the desk cannot read: (field, Chinese message shown next to it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip()[:MAX_CODE * 4] if isinstance(value, str) else ""


def _card(form: Any) -> str:
    """The selected reader's card number (the hidden `card` field), folded like a scan."""
    return fold_code(_field(form, "card"))


def _code(form: Any, name: str, label: str) -> str:
    """A scanned or typed card number or barcode: full-width (an input method's) and case folded."""
    value = fold_code(_field(form, name))
    if not value:
        raise FormError(name, f"请填写{label}。")
    if len(value) > MAX_CODE or any(c.isspace() for c in value):
        raise FormError(name, f"{label}看不懂（太长或含空格），请重新扫描。")
    return value


# ------------------------------------------------------------------------------ answers


def said_for(done: object, money: bool) -> Said | None:
    """The librarian's words for a service's result (None: nothing to say, e.g. a plain look)."""
    if isinstance(done, ReaderSummary):
        return Said(f"已选中读者：{done.name}" + (f"（{done.class_name}）" if done.class_name else "") + "。请扫书。")
    if isinstance(done, LoanCreated):
        return Said(words.lent(done))
    if isinstance(done, LoanReturned):
        first, *rest = words.returned(done, money=money)
        return Said(first, lines=tuple(rest))
    if isinstance(done, NeedReader):
        return Said(f"《{done.title}》在架上，要借出请先扫读者证。", refused=True)
    if isinstance(done, UnknownCode):
        return Said(f"没有找到条码或证号“{done.code}”，请核对后再扫。", refused=True)
    if isinstance(done, LoanRenewed):
        return Said(words.renewed(done))
    if isinstance(done, LoanRecalled):
        return Said(words.recalled(done))
    if isinstance(done, ItemLost):
        return Said(words.lost(done))
    if isinstance(done, ItemDamaged):
        first, *rest = words.damaged(done, money=money)
        return Said(first, lines=tuple(rest))
    if isinstance(done, CardReplaced):
        return Said(words.card_replaced(done))
    if isinstance(done, ReaderCleared):
        return Said(words.cleared(done))
    if isinstance(done, TheftCharged):
        return Said(words.theft(done, money=money, charge_no=False))
    if isinstance(done, TheftToConfirm):
        return Said(words.theft_preview(done.preview),
                    confirm=(("barcode", done.preview.barcode), ("price", done.price), ("note", done.note)),
                    confirm_label=f"确认登记偷窃赔偿{words.yuan(done.preview.amount_fen)}")
    if isinstance(done, ConditionNoted):
        return Said(words.condition_noted(done.barcode, done.title, done.condition_note))
    if isinstance(done, str):
        return Said(done)
    return None


def _render(request: web.Request, answer: DeskAnswer, action: str, *, error: FormError | None = None,
            status: int = 200) -> web.Response:
    session = request[SESSION_KEY]
    role = session.staff.role
    money = may(role, Area.MONEY)
    said = None
    if error is not None:
        said = Said(error.message, refused=True)
    elif answer.refused is not None:
        said = Said("✗ " + words.refusal(action, answer.refused, money=money), refused=True)
    elif answer.done is not None:
        said = said_for(answer.done, money)
    if answer.reader_refused is not None and said is None:
        said = Said("✗ " + words.refusal("reader", answer.reader_refused, money=money), refused=True)
    context = {"a": answer, "said": said, "error_field": error.field if error else "", "w": words,
               "money": money, "tools": may(role, Area.CIRCULATION), "desk": DESK,
               "theft_multiple": request.app[LIBRARY].policy.theft_multiple}
    template = "desk/panel.html" if request.headers.get("HX-Request") == "true" else "desk/page.html"
    return page(request, template, context, status=status)


def _actor(request: web.Request) -> str:
    return f"staff:{request[SESSION_KEY].staff.name}"[:60]


async def _run(request: web.Request, action: str,
               call: Callable[[Library, Settings, Any, str], Callable[[], object]]) -> web.Response:
    """Read the form, run the service through core.desk.at_desk in a worker thread, render the desk."""
    form = await request.post()
    card = _card(form)
    library, settings = request.app[LIBRARY], request.app[SETTINGS]
    try:
        work = call(library, settings, form, _actor(request))
    except FormError as error:
        answer = await asyncio.to_thread(at_desk, library, card or None)
        return _render(request, answer, action, error=error, status=400)
    answer = await asyncio.to_thread(at_desk, library, card or None, work)
    return _render(request, answer, action)


# ------------------------------------------------------------------------------ views


@routes.get(DESK)
@requires(Area.DESK)
async def desk_page(request: web.Request) -> web.Response:
    """The desk, with the reader of `?card=` selected (e.g. after a plain form post)."""
    card = fold_code(request.query.get("card", ""))[:MAX_CODE]
    answer = await asyncio.to_thread(at_desk, request.app[LIBRARY], card or None)
    return _render(request, answer, "reader")


@routes.post(DESK)
@requires(Area.DESK)
async def desk_post(request: web.Request) -> web.Response:
    """One scan (`scan`, with the selected reader in `card`): select, lend or return."""
    form = await request.post()
    card = _card(form)
    library = request.app[LIBRARY]
    try:
        code = _code(form, "scan", "条码或证号")
    except FormError as error:
        answer = await asyncio.to_thread(at_desk, library, card or None)
        return _render(request, answer, "checkout", error=error, status=400)
    condition = _field(form, "condition")[:100]  # damage the copy already has, recorded if it is lent
    answer = await asyncio.to_thread(desk_scan, library, card or None, code, actor=_actor(request),
                                     condition_note=condition)
    # A refused card (lost, retired) carries no book; a refused loan names its book.
    card_refused = answer.refused is not None and "card_no" in answer.refused.context
    return _render(request, answer, "reader" if card_refused else "checkout")


def _renew(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")
    return lambda: renew_by_barcode(library, barcode, actor=actor)


def _recall(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")
    return lambda: recall_and_notify(library, settings, barcode, actor=actor)


def _lost(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")
    return lambda: mark_lost(library, MarkItemLost(barcode, actor=actor))


def _damaged(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")
    fee_text = _field(form, "fee") or "0"
    fee = price_to_fen(fee_text)
    if fee is None or fee < 0:
        raise FormError("fee", f"修补费“{fee_text}”看不懂，请写金额，例如 5 或 5.50。")
    note = _field(form, "note")[:100]
    return lambda: mark_damaged(library, MarkItemDamaged(barcode, fee, note, actor=actor))


def _condition(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")
    note = _field(form, "condition")[:100]
    if not note:
        raise FormError("condition", "请写下书原有的损坏，例如：缺页、污损、加记印章。")
    return lambda: note_condition(library, NoteCondition(barcode, note, actor=actor))


def _theft(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    card = _card(form)
    if not card:
        raise FormError("scan", "请先扫读者证，再登记偷窃赔偿。")
    barcode = _code(form, "barcode", "条码")
    price_text = _field(form, "price")
    price = price_to_fen(price_text) if price_text else None
    if price_text and (price is None or price <= 0):
        raise FormError("price", f"书价“{price_text}”看不懂，请写金额，例如 25 或 25.50。")
    note = _field(form, "note")[:100]
    cmd = ChargeTheft(card, barcode, note, price, actor=actor)
    if _field(form, "confirm") != "1":  # first the amount, for the librarian to confirm
        return lambda: TheftToConfirm(preview_theft(library, cmd), price_text, note)
    return lambda: charge_theft(library, cmd)


@dataclass(frozen=True)
class TheftToConfirm:
    """A theft charge shown for confirmation; the typed price and note ride along in the confirm form."""

    preview: TheftPreview
    price: str
    note: str


def _repaired(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    barcode = _code(form, "barcode", "条码")

    def run() -> str:
        finish_repair(library, FinishRepair(barcode, actor=actor))
        return words.repaired(barcode)
    return run


def _settle(waive: bool) -> Callable[[Library, Settings, Any, str], Callable[[], object]]:
    def call(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
        charge_id = record_id(_field(form, "charge"))
        if charge_id is None:
            raise FormError("charge", "请选择要处理的欠款。")
        note = _field(form, "note")[:100]
        if waive and not note:
            raise FormError("note", "免除欠款请写明原因（例如：家庭困难，经校长同意）。")

        def run() -> str:
            charge = settle_charge(library, SettleCharge(charge_id, waive=waive, note=note, actor=actor))
            return words.settled(charge.id, charge.amount_fen, waived=waive)
        return run
    return call


def _card_lost(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    card = _code(form, "card", "证号")

    def run() -> str:
        report_card_lost(library, ReportCardLost(card, actor=actor))
        return words.card_lost(card)
    return run


def _replace(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    card = _code(form, "card", "证号")
    new = _code(form, "new_card", "新证号")
    return lambda: replace_card(library, ReplaceCard(card, new, actor=actor))


def _clear(library: Library, settings: Settings, form: Any, actor: str) -> Callable[[], object]:
    card = _code(form, "card", "证号")
    return lambda: clear_reader(library, ClearReader(card, actor=actor))


# action path → (area, refusal wording key, form → work)
ACTIONS: dict[str, tuple[Area, str, Callable[[Library, Settings, Any, str], Callable[[], object]]]] = {
    "renew": (Area.DESK, "renew", _renew),
    "recall": (Area.CIRCULATION, "recall", _recall),
    "lost": (Area.CIRCULATION, "lost", _lost),
    "damaged": (Area.CIRCULATION, "damaged", _damaged),
    "repaired": (Area.CIRCULATION, "repaired", _repaired),
    "pay": (Area.MONEY, "pay", _settle(waive=False)),
    "waive": (Area.MONEY, "waive", _settle(waive=True)),
    "card-lost": (Area.CIRCULATION, "card_lost", _card_lost),
    "replace-card": (Area.CIRCULATION, "replace_card", _replace),
    "clear": (Area.CIRCULATION, "clear", _clear),
    "condition": (Area.DESK, "condition", _condition),
    "theft": (Area.MONEY, "theft", _theft),  # a charge: librarians only, as paying and waiving
}


@routes.post(DESK + "/{action}")
@requires(Area.DESK)
async def desk_action(request: web.Request) -> web.Response:
    """Renew, recall, lost, damaged, repaired, pay, waive, card lost, replace card, clearance, existing
    damage (condition), theft."""
    entry = ACTIONS.get(request.match_info["action"])
    if entry is None:
        raise web.HTTPNotFound(text="没有这个操作。")
    area, wording, call = entry
    if not may(request[SESSION_KEY].staff.role, area):
        raise forbidden("<p>你的账号不能做这个操作（缴费、免除、丢失登记、挂失等只有图书管理员能办）。"
                        f"<a href=\"{DESK}\">回到借还台</a></p>")
    if wording == "theft":
        card, library = _card(await request.post()), request.app[LIBRARY]
        if card and await asyncio.to_thread(_is_class_card, library, card):
            answer = await asyncio.to_thread(at_desk, library, card)
            return _render(request, answer, wording, error=FormError("scan", CLASS_NO_THEFT), status=400)
    return await _run(request, wording, call)


CLASS_NO_THEFT = "班级图书角的书不登记偷窃赔偿；找不到的书请在这本书后面点“丢失”。"


def _is_class_card(library: Library, card: str) -> bool:
    """Whether the card is a class borrower's (集体借阅), which owes no theft charge."""
    with library.read_uow() as uow:
        found = uow.session.scalar(select(Reader.reader_type).where(Reader.card_no == card.strip().upper()))
    return found == ReaderType.CLASS
