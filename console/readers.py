"""/admin/readers: readers and classes, the promotion, clearance, guardians, binding codes and slips.

Librarian (Area.READERS): everything here. Class teacher: their own class's page, its parent codes and
slips (Area.CLASS_LISTS, scoped to `staff.class_id` by the core services), nothing else. Helper: none.
Each view validates the form, calls one core service in a worker thread and renders one template.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from typing import Any

import segno
from aiohttp import web
from markupsafe import Markup

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, SESSION_KEY, redirect, requires
from console.params import path_id, school_day, whole_number
from console.text import fold, fold_code
from console.views import page
from core import desk_words as words
from core.circulation import LiftSuspension, SuspendReader, SuspensionError, lift_suspension, suspend_reader
from core.desk import OpenLoan, reader_summary
from core.errors import Refused
from core.library import Library
from core.lists import class_sort_key, name_sort_key
from core.promotion import apply_promotion, grade_clearance, promotion_plan
from core.roster import (
    STATUS_NAMES,
    TYPE_NAMES,
    ReaderEdit,
    RosterError,
    add_reader,
    check_name,
    check_phone,
    class_info,
    edit_reader,
    leave,
    list_classes,
    move_reader,
    reader_detail,
    search_readers,
    unbind_one,
)
from core.slips import child_slip, class_slips
from core.staff import Area, Role

routes = web.RouteTableDef()
BASE = f"{PREFIX}/readers"
NAMES = {"status_names": STATUS_NAMES, "type_names": TYPE_NAMES, "w": words}


def _actor(request: web.Request) -> str:
    return request[SESSION_KEY].staff.name


def _own_class(request: web.Request) -> int | None:
    """The class a class teacher is limited to (None: the librarian, who may use any class)."""
    staff = request[SESSION_KEY].staff
    if staff.role == Role.LIBRARIAN:
        return None
    if staff.class_id is None:  # a class teacher without a class sees nothing
        raise web.HTTPForbidden(text="你的账号没有对应的班级。")
    return int(staff.class_id)


def _int(value: object) -> int | None:
    return whole_number(value)


def _day(raw: str, default: date) -> date | None:
    if not raw.strip():
        return default
    return school_day(raw)


def _by_class_and_name(rows: list[Any]) -> list[Any]:
    """Readers (or slips) as school lists print them: class by grade and number, then names by pinyin."""
    return sorted(rows, key=lambda r: (class_sort_key(r.class_name), name_sort_key(r.name), r.card_no))


def _by_grade(classes: list[Any]) -> list[Any]:
    """Classes by grade then class number; graduated classes (grade 0) after the others."""
    return sorted(classes, key=lambda c: (c.grade == 0, class_sort_key(c.name)))


def _shown_plan(plan: Any) -> Any:
    """The promotion plan as the page lists it: highest grade first (the order it is applied in), classes of
    a grade by number, owing students by class and pinyin."""
    def by_class(move: Any) -> tuple[int, tuple[int, int, int, str]]:
        key = class_sort_key(move.old_name)
        return -key[1], key
    return replace(plan, moves=sorted(plan.moves, key=by_class), graduating=sorted(plan.graduating, key=by_class),
                   owing=_by_class_and_name(plan.owing))


async def _run(request: web.Request, fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(fn, request.app[LIBRARY], *args, **kwargs)


@routes.get(BASE)
@requires(Area.READERS)
async def readers_home(request: web.Request) -> web.Response:
    """Search by name, card number or class (`q`), or list one class (`class_id`); the classes and tools."""
    query = fold(request.query.get("q", ""))[:60]  # ｓ３０２０１ from a full-width input method finds S30201
    class_id = _int(request.query.get("class_id", ""))
    found = _by_class_and_name(await _run(request, search_readers, query, class_id=class_id))
    classes = _by_grade(await _run(request, list_classes))
    return page(request, "readers/index.html", {"q": query, "class_id": class_id, "found": found,
                                                 "classes": classes, "searched": bool(query or class_id), **NAMES})


def _new_context(form: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {"form": form, "errors": errors}


@routes.get(f"{BASE}/new")
@requires(Area.READERS)
async def new_form(request: web.Request) -> web.Response:
    """The 办证 form: card number, name, class (empty = a teacher), phone."""
    return page(request, "readers/new.html", _new_context({}, {}))


@routes.post(f"{BASE}/new")
@requires(Area.READERS)
async def new_reader(request: web.Request) -> web.Response:
    """Add a reader; the form comes back with the message beside the field when refused."""
    posted = await request.post()
    form = {key: str(posted.get(key, "")) for key in ("card_no", "name", "class_name", "phone")}
    form["card_no"], form["class_name"] = fold_code(form["card_no"]), fold(form["class_name"])
    try:
        reader_id = await _run(request, add_reader, form["card_no"], form["name"], form["class_name"],
                               form["phone"], _actor(request))
    except RosterError as refused:
        return page(request, "readers/new.html", _new_context(form, {refused.field or "card_no": str(refused)}),
                    status=400)
    return redirect(f"{BASE}/{reader_id}?saved=1")


def _open_loans(library: Library, card_no: str) -> list[OpenLoan]:
    """The books a reader has out (title, barcode, due day, late), as the desk lists them; [] for a card
    the desk cannot look up."""
    try:
        return reader_summary(library, card_no).loans
    except Refused:
        return []


async def _reader_page(request: web.Request, reader_id: int, *, errors: dict[str, str] | None = None,
                       form: dict[str, str] | None = None, status: int = 200, **extra: Any) -> web.Response:
    detail = await _run(request, reader_detail, reader_id)
    if detail is None:
        raise web.HTTPNotFound(text="没有这位读者。")
    loans = await _run(request, _open_loans, detail.reader.card_no) if detail.open_loans else []
    # Graduated classes too: a graduate who still owes keeps theirs when the form is saved.
    classes = _by_grade(await _run(request, list_classes, include_graduated=True))
    return page(request, "readers/reader.html", {"d": detail, "classes": classes, "errors": errors or {},
                                                  "form": form, "saved": request.query.get("saved", ""),
                                                  "slip": None, "loans": loans, **NAMES, **extra}, status=status)


@routes.get(BASE + r"/{reader_id:[0-9]+}")
@requires(Area.READERS)
async def reader_view(request: web.Request) -> web.Response:
    """One reader: edit form, move to another class, guardians' bindings, a parent code."""
    return await _reader_page(request, path_id(request, "reader_id", "没有这位读者。"))


@routes.post(BASE + r"/{reader_id:[0-9]+}")
@requires(Area.READERS)
async def reader_save(request: web.Request) -> web.Response:
    """Save name, phone and class (one transaction, audited); errors beside their field."""
    reader_id = path_id(request, "reader_id", "没有这位读者。")
    posted = await request.post()
    form = {key: str(posted.get(key, "")) for key in ("name", "phone", "class_id")}
    try:
        class_id = _int(form["class_id"]) if form["class_id"] else None
        if form["class_id"] and class_id is None:
            raise RosterError("请从列表中选择班级。", "class_id")
        cmd = ReaderEdit(reader_id, check_name(form["name"]), check_phone(form["phone"]), class_id)
        await _run(request, edit_reader, cmd, _actor(request))
    except RosterError as refused:
        return await _reader_page(request, reader_id, errors={refused.field or "name": str(refused)}, form=form,
                                  status=400)
    return redirect(f"{BASE}/{reader_id}?saved=1")


@routes.post(BASE + r"/{reader_id:[0-9]+}/move")
@requires(Area.READERS)
async def reader_move(request: web.Request) -> web.Response:
    """调班: move a student to another class."""
    reader_id = path_id(request, "reader_id", "没有这位读者。")
    class_id = _int((await request.post()).get("class_id", ""))
    try:
        if class_id is None:
            raise RosterError("请从列表中选择新班级。", "move")
        await _run(request, move_reader, reader_id, class_id, _actor(request))
    except RosterError as refused:
        return await _reader_page(request, reader_id, errors={"move": str(refused)}, status=400)
    return redirect(f"{BASE}/{reader_id}?saved=moved")


@routes.post(BASE + r"/{reader_id:[0-9]+}/leave")
@requires(Area.READERS)
async def reader_leave(request: web.Request) -> web.Response:
    """离校 (转学/毕业/调离) for one reader; refused with what is still owed."""
    reader_id = path_id(request, "reader_id", "没有这位读者。")
    try:
        await _run(request, leave, reader_id, _actor(request))
    except RosterError as refused:
        return await _reader_page(request, reader_id, errors={"leave": str(refused)}, status=400)
    return redirect(f"{BASE}/{reader_id}?saved=left")


@routes.post(BASE + r"/{reader_id:[0-9]+}/unbind/{binding_id:[0-9]+}")
@requires(Area.READERS)
async def reader_unbind(request: web.Request) -> web.Response:
    """Remove one binding (the reader's own, or one parent's link to this child)."""
    reader_id = path_id(request, "reader_id", "没有这位读者。")
    try:
        await _run(request, unbind_one, reader_id, path_id(request, "binding_id", "没有这个绑定。"), _actor(request))
    except RosterError as refused:
        return await _reader_page(request, reader_id, errors={"bindings": str(refused)}, status=400)
    return redirect(f"{BASE}/{reader_id}?saved=unbound")


async def _suspension_action(request: web.Request, work: Any, saved: str) -> web.Response:
    """Run suspend or lift for the reader of the URL: errors beside the form, else back to the page."""
    reader_id = path_id(request, "reader_id", "没有这位读者。")
    detail = await _run(request, reader_detail, reader_id)
    if detail is None:
        raise web.HTTPNotFound(text="没有这位读者。")
    try:
        done = await asyncio.to_thread(work, request.app[LIBRARY], detail.reader.card_no)
    except SuspensionError as refused:
        return await _reader_page(request, reader_id, errors={"suspend": refused.message}, status=400)
    except Refused as refused:
        return await _reader_page(request, reader_id, errors={"suspend": words.refusal("suspend", refused)},
                                  status=400)
    if getattr(done, "kept_later", False):
        saved = "suspended_kept"  # a longer suspension was already running: its day stays
    return redirect(f"{BASE}/{reader_id}?saved={saved}")


@routes.post(BASE + r"/{reader_id:[0-9]+}/suspend")
@requires(Area.READERS)
async def reader_suspend(request: web.Request) -> web.Response:
    """取消其借书资格: suspend borrowing with a reason, through a date or (no date) until lifted; audited."""
    posted = await request.post()
    reason = str(posted.get("reason", ""))[:400]
    raw_until = str(posted.get("until", "")).strip()
    until = _day(raw_until, date.min) if raw_until else None
    if raw_until and until is None:
        return await _reader_page(request, path_id(request, "reader_id", "没有这位读者。"),
                                  errors={"suspend": "日期请写成 2026-12-31 这样；不写就是一直暂停。"}, status=400)
    actor = _actor(request)
    return await _suspension_action(
        request, lambda library, card: suspend_reader(library, SuspendReader(card, reason, until, actor=actor)),
        "suspended")


@routes.post(BASE + r"/{reader_id:[0-9]+}/lift")
@requires(Area.READERS)
async def reader_lift(request: web.Request) -> web.Response:
    """Give the reader their borrowing back (a manual or an automatic suspension); audited."""
    actor = _actor(request)
    return await _suspension_action(
        request, lambda library, card: lift_suspension(library, LiftSuspension(card, actor=actor)), "lifted")


@routes.get(f"{BASE}/promotion")
@requires(Area.READERS)
async def promotion_preview(request: web.Request) -> web.Response:
    """升年级 preview for a chosen date (default today): every class's new name, who graduates, who still owes."""
    today = request.app[LIBRARY].today()
    on = _day(request.query.get("on", ""), today)
    if on is None:
        return page(request, "readers/promotion.html", {"plan": None, "on": request.query.get("on", ""),
                                                         "error": "日期请写成 2027-09-01 这样。", "done": None},
                    status=400)
    plan = _shown_plan(await _run(request, promotion_plan, on))
    return page(request, "readers/promotion.html", {"plan": plan, "on": on.isoformat(), "error": "", "done": None})


@routes.post(f"{BASE}/promotion")
@requires(Area.READERS)
async def promotion_apply(request: web.Request) -> web.Response:
    """Apply the promotion for the posted date in one transaction; refusals shown above the preview."""
    raw = str((await request.post()).get("on", ""))
    on = _day(raw, request.app[LIBRARY].today()) if raw.strip() else None
    if on is None:
        return page(request, "readers/promotion.html", {"plan": None, "on": raw,
                                                         "error": "请填写升年级日期，例如 2027-09-01。", "done": None},
                    status=400)
    try:
        done = await _run(request, apply_promotion, on, _actor(request))
    except RosterError as refused:
        plan = _shown_plan(await _run(request, promotion_plan, on))
        return page(request, "readers/promotion.html", {"plan": plan, "on": on.isoformat(), "error": str(refused),
                                                         "done": None}, status=409)
    return page(request, "readers/promotion.html", {"plan": None, "on": on.isoformat(), "error": "", "done": done})


@routes.get(f"{BASE}/clearance")
@requires(Area.READERS)
async def clearance(request: web.Request) -> web.Response:
    """毕业/转学 clearance for a grade (`grade`, 0 = graduated classes): who still has books or charges."""
    grade = _int(request.query.get("grade", ""))
    result = None
    if grade is not None and 0 <= grade <= 9:
        found = await _run(request, grade_clearance, grade)
        result = replace(found, classes=sorted(found.classes, key=class_sort_key),
                         owing=_by_class_and_name(found.owing))
    return page(request, "readers/clearance.html", {"grade": grade, "result": result,
                                                     "today": request.app[LIBRARY].today()})


@routes.get(f"{BASE}/my-class")
@requires(Area.CLASS_LISTS)
async def my_class(request: web.Request) -> web.Response:
    """A class teacher's way in: their class's page (the librarian goes to the readers page)."""
    own = _own_class(request)
    return redirect(f"{BASE}/classes/{own}" if own is not None else BASE)


async def _class_page(request: web.Request, class_id: int, *, slip: Any = None, error: str = "",
                      status: int = 200) -> web.Response:
    own = _own_class(request)
    info = await _run(request, class_info, class_id)
    if info is None or (own is not None and own != class_id):
        raise web.HTTPNotFound(text="没有这个班级，或者这不是你的班。")
    students = _by_class_and_name(await _run(request, search_readers, "", class_id=class_id))
    return page(request, "readers/class.html", {"cls": info, "students": students, "slip": slip,
                                                 "error": error, "full": own is None, **NAMES}, status=status)


@routes.get(BASE + r"/classes/{class_id:[0-9]+}")
@requires(Area.CLASS_LISTS)
async def class_view(request: web.Request) -> web.Response:
    """A class: its students (name and card), a parent code for one child, binding slips for all."""
    return await _class_page(request, path_id(request, "class_id", "没有这个班级，或者这不是你的班。"))


@routes.post(BASE + r"/classes/{class_id:[0-9]+}/code")
@requires(Area.CLASS_LISTS)
async def class_child_code(request: web.Request) -> web.Response:
    """A new parent code for one child of the class (replaces their unused one); shown once on the page."""
    class_id = path_id(request, "class_id", "没有这个班级，或者这不是你的班。")
    reader_id = _int((await request.post()).get("reader_id", ""))
    own = _own_class(request)
    try:
        if reader_id is None:
            raise RosterError("请选择一位学生。")
        if own is None:
            detail = await _run(request, reader_detail, reader_id)
            if detail is None or detail.reader.class_id != class_id:
                raise RosterError("这位学生不在这个班。")
            slip = await _run(request, child_slip, reader_id, _actor(request))
        else:
            if own != class_id:
                raise web.HTTPNotFound(text="没有这个班级，或者这不是你的班。")
            slip = await _run(request, child_slip, reader_id, _actor(request), own_class=own)
    except RosterError as refused:
        return await _class_page(request, class_id, error=str(refused), status=400)
    return await _class_page(request, class_id, slip=slip)


def follow_qr(url: str) -> Markup:
    """The Official Account's follow link as an inline SVG QR code (segno; nothing fetched)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", omitsize=True))


@routes.post(BASE + r"/classes/{class_id:[0-9]+}/slips")
@requires(Area.CLASS_LISTS)
async def class_slips_print(request: web.Request) -> web.Response:
    """Binding slips for the whole class: a new code per child (audited; old unused codes stop working)."""
    class_id = path_id(request, "class_id", "没有这个班级，或者这不是你的班。")
    own = _own_class(request)
    try:
        slips = _by_class_and_name(await _run(request, class_slips, class_id, _actor(request), own_class=own))
    except RosterError as refused:
        raise web.HTTPNotFound(text=str(refused)) from None
    info = await _run(request, class_info, class_id)
    url = request.app[SETTINGS].wechat.follow_url.strip()
    return page(request, "readers/slips.html", {"cls": info, "slips": slips,
                                                 "qr": follow_qr(url) if url else None})
