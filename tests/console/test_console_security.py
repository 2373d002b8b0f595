"""Security properties of the console that a review checked and that must keep holding (roles, CSRF, next=, sessions)."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from core.accounts import BindingCode
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType, SchoolClass
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_reader, add_term, add_title

GET_ROUTES = ["/admin/staff", "/admin/lists", "/admin/lists/overdue", "/admin/lists/overdue?format=xlsx",
              "/admin/lists/charges", "/admin/lists/charges?format=xlsx", "/admin/lists/suspended",
              "/admin/lists/holds", "/admin/lists/repair", "/admin/lists/lost", "/admin/lists/not-borrowed",
              "/admin/lists/targets", "/admin/lists/honours", "/admin/lists/honours?format=xlsx",
              "/admin/calendar", "/admin/calendar/holidays?year=2026", "/admin/readers", "/admin/readers/new",
              "/admin/readers/{rid}", "/admin/readers/promotion", "/admin/readers/clearance?grade=3"]
POST_ROUTES = ["/admin/calendar/terms", "/admin/calendar/terms/1", "/admin/calendar/terms/1/delete",
               "/admin/calendar/closed", "/admin/calendar/open", "/admin/calendar/clear", "/admin/calendar/weekdays",
               "/admin/calendar/holidays", "/admin/readers/new", "/admin/readers/{rid}", "/admin/readers/{rid}/move",
               "/admin/readers/{rid}/leave", "/admin/readers/{rid}/unbind/1", "/admin/readers/promotion"]
DESK_ROUTES = ["/admin/desk", "/admin/desk?card=R1", "/admin/desk/renew"]
CLASS_ROUTES = ["/admin/lists/class", "/admin/readers/my-class", "/admin/readers/classes/{cid}"]
CLASS_POSTS = ["/admin/readers/classes/{cid}/code", "/admin/readers/classes/{cid}/slips"]


def _school(library: Library) -> tuple[int, int, int, int]:
    add_term(library)
    add_class(library, "三年级1班", 3)
    add_class(library, "三年级2班", 3)
    mine, _ = add_reader(library, "本班", ReaderType.STUDENT, class_name="三年级2班")
    other, _ = add_reader(library, "外班", ReaderType.STUDENT, class_name="三年级1班")
    with library.read_uow() as uow:
        ids = dict(uow.session.execute(select(SchoolClass.name, SchoolClass.id)).all())
    return mine, other, ids["三年级2班"], ids["三年级1班"]


async def test_no_session_every_guarded_route_sends_to_sign_in(console: TestClient, library: Library) -> None:
    rid, _, cid, _ = _school(library)
    for path in GET_ROUTES + DESK_ROUTES[:2] + CLASS_ROUTES + ["/admin"]:
        path = path.format(rid=rid, cid=cid)
        r = await console.get(path, allow_redirects=False)
        assert r.status == 302 and r.headers["Location"].startswith("/admin/login?next="), path
    for path in POST_ROUTES + DESK_ROUTES[::2] + CLASS_POSTS:
        r = await console.post(path.format(rid=rid, cid=cid), data={"x": "1"}, allow_redirects=False)
        assert r.status == 403, path  # no session and no CSRF token


async def _each_refused(console: TestClient, csrf: str, gets: list[str], posts: list[str], **ids: int) -> None:
    for path in gets:
        r = await console.get(path.format(**ids), allow_redirects=False)
        assert r.status == 403, path
    for path in posts:
        r = await console.post(path.format(**ids), data={"csrf": csrf, "class_id": "1", "reader_id": "1"},
                               allow_redirects=False)
        assert r.status == 403, path


async def test_helper_is_refused_everything_but_home_and_desk(console: TestClient, library: Library) -> None:
    rid, _, cid, _ = _school(library)
    add_staff(library, "xm", Role.HELPER, PASSWORD)
    await sign_in(console, "xm")
    csrf = await page_csrf(console, "/admin/desk")
    await _each_refused(console, csrf, GET_ROUTES + CLASS_ROUTES, POST_ROUTES + CLASS_POSTS +
                        [f"/admin/desk/{a}" for a in ("recall", "lost", "damaged", "repaired", "pay", "waive",
                                                      "card-lost", "replace-card", "clear")], rid=rid, cid=cid)


async def test_helper_never_sees_the_fine_on_an_overdue_return(console: TestClient, library: Library,
                                                                clock: FixedClock) -> None:
    _school(library)
    _, copies = add_title(library, "草房子", copies=1)
    _, card = add_reader(library, "陈", ReaderType.STUDENT, class_name="三年级2班")
    checkout(library, CheckoutItem(card, copies[0], actor="t"))
    clock.advance(days=60)
    add_staff(library, "xm", Role.HELPER, PASSWORD)
    await sign_in(console, "xm")
    csrf = await page_csrf(console, "/admin/desk")
    html = await (await console.post("/admin/desk", data={"csrf": csrf, "scan": copies[0], "card": card},
                                     headers={"HX-Request": "true"})).text()
    assert "逾期" in html and "元" not in html and "罚款" not in html


async def test_class_teacher_cannot_reach_another_class(console: TestClient, library: Library) -> None:
    mine, other, cid, other_cid = _school(library)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    await sign_in(console, "li")
    csrf = await page_csrf(console)
    await _each_refused(console, csrf, GET_ROUTES + DESK_ROUTES[:2], POST_ROUTES + DESK_ROUTES[::2], rid=mine)
    assert (await console.get(f"/admin/readers/classes/{cid}")).status == 200
    assert (await console.get(f"/admin/readers/classes/{other_cid}")).status == 404
    for q in ("三年级1班", "三年级1班&format=xlsx", "%20三年级1班"):
        assert (await console.get(f"/admin/lists/class?class={q}", allow_redirects=False)).status == 403, q
    own = await console.get("/admin/lists/class?format=xlsx&class_id=" + str(other_cid))
    assert own.status == 200  # class_id is ignored: still their own class
    r = await console.post(f"/admin/readers/classes/{other_cid}/slips", data={"csrf": csrf})
    assert r.status == 404
    r = await console.post(f"/admin/readers/classes/{cid}/code", data={"csrf": csrf, "reader_id": str(other)})
    assert r.status == 400
    r = await console.post(f"/admin/readers/classes/{other_cid}/code", data={"csrf": csrf, "reader_id": str(other)})
    assert r.status == 404
    with library.read_uow() as uow:
        assert uow.session.scalar(select(func.count(BindingCode.id))) == 0


async def test_csrf_variants_are_refused(console: TestClient, library: Library) -> None:
    _, card = add_reader(library)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    await sign_in(console, "wang")
    csrf = await page_csrf(console)
    for method, path, kw in [
        ("POST", "/admin/desk", {"json": {"scan": card, "csrf": csrf}}),
        ("POST", f"/admin/desk?csrf={csrf}", {"data": {"scan": card}}),
        ("POST", "/admin/desk", {"data": {"scan": card}, "headers": {"X-HTTP-Method-Override": "GET"}}),
        ("POST", "/admin/desk", {"data": f"scan={card}&csrf={csrf}", "headers": {"Content-Type": "text/plain"}}),
        ("PUT", "/admin/desk", {"data": {"scan": card}}), ("DELETE", "/admin/desk", {}),
        ("POST", "/%61dmin/desk", {"data": {"scan": card}}), ("POST", "/admin/logout", {}),
    ]:
        r = await console.request(method, path, allow_redirects=False, **kw)
        assert r.status == 403, (method, path)


async def test_next_never_leaves_the_console(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    for nxt in ["//evil.com", "/\\evil.com", "https://evil.com/admin", "/admin@evil.com", "\t//evil.com/admin",
                " //evil.com", "///evil.com/admin", "/\t/evil.com/admin", "http:/admin", "//\tevil.com",
                "javascript:alert(1)//admin", "/admin\\@evil.com"]:
        console.session.cookie_jar.clear()
        r = await sign_in(console, "wang", next_path=nxt)
        assert r.headers["Location"] == "/admin", nxt


async def test_session_token_is_new_at_each_sign_in(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    seen = set()
    for _ in range(2):
        console.session.cookie_jar.clear()
        r = await sign_in(console, "wang")
        seen.add(r.cookies["shuxiang_session"].value)
    assert len(seen) == 2
