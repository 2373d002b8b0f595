"""The console's first views: sign in, sign out, the home page and the staff list.

Each view reads the request, calls one core service in a worker thread, renders one template.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.keys import LIBRARY
from console.auth import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    SESSION_KEY,
    client_address,
    new_login_token,
    redirect,
    requires,
    safe_next,
    set_cookie,
)
from core.dashboard import dashboard
from core.lists import class_lists
from core.staff import Area, Reason, Role, SignInRefused, list_staff, may, sign_in, sign_out

routes = web.RouteTableDef()

ROLE_NAMES = {Role.LIBRARIAN: "图书管理员", Role.HELPER: "小图书管理员", Role.CLASS_TEACHER: "班主任"}


@dataclass(frozen=True)
class NavLink:
    """One entry of the top navigation, shown only to roles that may use its area."""

    path: str
    label: str
    area: Area
    unless: Area | None = None  # hidden for roles that also have this area (the wider page)


# The pages later issues fill in; a link appears only for roles core.staff.may lets in.
NAV = (
    # Daily work first, then the figures, the collection's work, the notices, and the set-up pages.
    NavLink(f"{PREFIX}/desk", "借还台", Area.DESK),
    NavLink(f"{PREFIX}/catalogue", "书目", Area.CATALOGUE),
    NavLink(f"{PREFIX}/readers", "读者和班级", Area.READERS),
    NavLink(f"{PREFIX}/lists", "清单", Area.LISTS),
    NavLink(f"{PREFIX}/lists/class", "本班清单", Area.CLASS_LISTS, unless=Area.LISTS),
    NavLink(f"{PREFIX}/reports", "统计", Area.REPORTS),
    NavLink(f"{PREFIX}/reports/class", "本班统计", Area.CLASS_REPORTS, unless=Area.REPORTS),
    NavLink(f"{PREFIX}/readers/my-class", "家长绑定码", Area.CLASS_LISTS, unless=Area.READERS),
    NavLink(f"{PREFIX}/rota/class", "本班借阅时间", Area.CLASS_LISTS, unless=Area.CALENDAR),
    NavLink(f"{PREFIX}/inventory", "清点", Area.INVENTORY),
    NavLink(f"{PREFIX}/inventory/open", "清点扫描", Area.INVENTORY_SCAN, unless=Area.INVENTORY),
    NavLink(f"{PREFIX}/registers", "登记帐", Area.REGISTERS),
    NavLink(f"{PREFIX}/imports", "导入", Area.IMPORTS),
    NavLink(f"{PREFIX}/labels", "打印标签", Area.CATALOGUE),
    NavLink(f"{PREFIX}/notices", "通知和活动", Area.NOTICES),
    NavLink(f"{PREFIX}/calendar", "校历", Area.CALENDAR),
    NavLink(f"{PREFIX}/rota", "借阅轮流表", Area.CALENDAR),
    NavLink(f"{PREFIX}/staff", "后台账号", Area.STAFF),
)


def page(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    """Render a template with what every page needs: the signed-in account, its CSRF token, its links."""
    session = request.get(SESSION_KEY)
    base: dict[str, Any] = {"staff": None, "csrf": "", "nav": [], "role_name": "", "current": request.path,
                            "can": lambda area: False}
    if session is not None:
        role = session.staff.role
        base.update(staff=session.staff, csrf=session.csrf, role_name=ROLE_NAMES[role],
                    can=lambda area: may(role, Area(area)),
                    nav=[link for link in NAV if may(session.staff.role, link.area)
                         and not (link.unless and may(session.staff.role, link.unless))])
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    response.headers["Cache-Control"] = "no-store"  # pages show personal data: never from a shared cache
    return response


# Sign-in answers (a wrong name and a wrong password are not told apart).
WRONG = "用户名或密码不对。请再试一次；忘了密码请找图书管理员重设。"
DISABLED = "这个账号已停用。需要使用请找图书管理员。"
IDLE = "太久没有操作，已自动退出。请重新登录。"


def _throttled(wait_seconds: float) -> str:
    minutes = max(1, int(-(-wait_seconds // 60)))
    return f"密码错误次数太多，请 {minutes} 分钟后再试。"


def _login_page(request: web.Request, *, error: str = "", username: str = "", status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    notice = IDLE if request.query.get("idle") == "1" and not error else ""
    response = page(request, "login.html", {"login_csrf": token, "error": error, "notice": notice,
                                            "username": username, "next": safe_next(request.query.get("next"))},
                    status=status)
    if request.cookies.get(LOGIN_COOKIE) != token:
        set_cookie(request, response, LOGIN_COOKIE, token)
    return response


@routes.get(f"{PREFIX}/login")
async def login_form(request: web.Request) -> web.Response:
    """The sign-in form (name="username", name="password"); signed-in staff go straight on."""
    if request.get(SESSION_KEY) is not None:
        return redirect(safe_next(request.query.get("next")))
    return _login_page(request)


@routes.post(f"{PREFIX}/login")
async def login(request: web.Request) -> web.Response:
    """Check the password (throttled in core.staff), set the session cookie, go to `next`."""
    form = await request.post()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    if not username or not password:
        return _login_page(request, error="请填写用户名和密码。", username=username, status=400)
    try:
        signed = await asyncio.to_thread(sign_in, request.app[LIBRARY], username, password, client_address(request))
    except SignInRefused as refused:
        if refused.reason == Reason.THROTTLED:
            return _login_page(request, error=_throttled(refused.wait.total_seconds()), username=username,
                               status=429)
        error = DISABLED if refused.reason == Reason.DISABLED else WRONG
        return _login_page(request, error=error, username=username, status=401)
    response = redirect(safe_next(str(form.get("next", "")) or None))
    set_cookie(request, response, SESSION_COOKIE, signed.token)
    response.del_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


@routes.post(f"{PREFIX}/logout")
async def logout(request: web.Request) -> web.Response:
    """End the session (the CSRF check ran in the guard) and go back to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await asyncio.to_thread(sign_out, request.app[LIBRARY], token)
    response = redirect(f"{PREFIX}/login")
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@routes.get(PREFIX)
@routes.get(f"{PREFIX}/")
@requires(Area.HOME)
async def home(request: web.Request) -> web.Response:
    """Today at a glance: loans and returns, overdue, holds to shelve, failed pushes, the term."""
    library = request.app[LIBRARY]
    figures = await asyncio.to_thread(dashboard, library)
    staff = request[SESSION_KEY].staff
    # A class teacher sees their own class, never the whole school's figures.
    own = (await asyncio.to_thread(class_lists, library, class_id=staff.class_id)
           if staff.role == Role.CLASS_TEACHER and staff.class_id is not None else None)
    return page(request, "home.html", {"d": figures, "today": library.today(), "own": own})


@routes.get(f"{PREFIX}/staff")
@requires(Area.STAFF)
async def staff_list(request: web.Request) -> web.Response:
    """Every console account with its role and class (librarians only; changes are `shuxiang staff`)."""
    accounts = await asyncio.to_thread(list_staff, request.app[LIBRARY])
    return page(request, "staff.html", {"accounts": accounts, "role_names": ROLE_NAMES})
