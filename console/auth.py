"""Sign-in plumbing for /admin: the session cookie, the CSRF check, `@requires(area)`, safe `next` paths.

The rules (who may enter which area) live in core.staff; this module only applies them to requests.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from bot.keys import LIBRARY, SETTINGS
from console.params import has_control_characters
from core.staff import ActiveSession, Area, SessionEnd, current_session, may

PREFIX = "/admin"
SESSION_COOKIE = "shuxiang_session"
LOGIN_COOKIE = "shuxiang_login"  # the pre-sign-in CSRF token (double-submit: cookie and form field)
SESSION_KEY = web.RequestKey("console_session", ActiveSession)
ENDED_KEY = web.RequestKey("console_session_end", SessionEnd)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = (f"{PREFIX}/static/",)
HTML = {"Content-Type": "text/html; charset=utf-8"}
BODY_LIMIT = "console_body_limit"  # a view's attribute: the bytes it accepts (see accepts_body)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_https(request: web.Request) -> bool:
    """Served over HTTPS: directly, or by a proxy saying so (it only makes the cookie stricter)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def client_address(request: web.Request) -> str:
    """The address the sign-in throttle counts: the peer, or X-Forwarded-For's last entry when trusted."""
    if request.app[SETTINGS].console.trust_forwarded_for:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.remote or "unknown"


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    """An HttpOnly, SameSite=Lax cookie for /admin only; Secure over HTTPS. No max-age: ends with the browser."""
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="Lax", secure=is_https(request))


def safe_next(value: str | None) -> str:
    """`next` only when it is a local console path (no scheme, host, `//` or backslash); else /admin."""
    if not value or "\\" in value or value.startswith("//"):
        return PREFIX
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == PREFIX or parts.path.startswith(PREFIX + "/")):
        return PREFIX
    return value


def login_url(next_path: str, **extra: str) -> str:
    """The sign-in page, coming back to `next_path` afterwards."""
    return f"{PREFIX}/login?" + urlencode({"next": next_path, **extra})


def idle_timeout(request: web.Request) -> timedelta:
    return timedelta(minutes=request.app[SETTINGS].console.idle_minutes)


def forbidden(message: str) -> web.HTTPForbidden:
    """A 403 with a short Chinese page (raised before any template is involved)."""
    page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>不能使用</title>'
            f'<link rel="stylesheet" href="{PREFIX}/static/vendor/simple.min.css"><main>{message}</main></html>')
    return web.HTTPForbidden(text=page, headers={"Content-Type": "text/html; charset=utf-8"})


def _short_page(title: str, message: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="stylesheet" href="{PREFIX}/static/vendor/simple.min.css"><main><p>{message}'
            f'<a href="{PREFIX}">回到后台首页</a></p></main></html>')


def _typed_control_characters(request: web.Request, form: Any) -> bool:
    """A control character (NUL, ESC ...) in the path, the query or a posted field or file name.

    Nobody types one; a mangled link or a script does, and PostgreSQL refuses NUL in text (a 500).
    Refusing them here, for every /admin request, keeps them out of every query and every stored row.
    """
    values = [request.path, *request.query.keys(), *request.query.values()]
    for key, value in form.items():
        values.append(key)
        if isinstance(value, web.FileField):
            values.append(value.filename or "")
        elif isinstance(value, str):
            values.append(value)
    return any(has_control_characters(v) for v in values)


@web.middleware
async def console_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """For /admin: find the session behind the cookie, refuse a state-changing request without its CSRF token."""
    if not request.path.startswith(PREFIX) or request.path.startswith(OPEN_PATHS):
        return await handler(request)
    limit = getattr(request.match_info.handler, BODY_LIMIT, None)
    if limit is not None:  # an upload route: a larger body than the app's client_max_size, for it alone
        request = request.clone(client_max_size=limit)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = await asyncio.to_thread(current_session, request.app[LIBRARY], token, idle_timeout(request))
        if isinstance(found, ActiveSession):
            request[SESSION_KEY] = found
        else:
            request[ENDED_KEY] = found
    if isinstance(request.match_info.http_exception, web.HTTPNotFound):  # no such route: say so in Chinese
        raise web.HTTPNotFound(text=_short_page("没有这个页面", "没有这个页面，链接可能不完整。"),
                               headers=HTML)
    form: Any = {}
    if request.method not in SAFE_METHODS:
        session = request.get(SESSION_KEY)
        if session is None and request.path == f"{PREFIX}/logout":
            return redirect(f"{PREFIX}/login")  # already signed out (idle, disabled): nothing to protect
        expected = session.csrf if session is not None else request.cookies.get(LOGIN_COOKIE)
        form = await _form(request)
        sent = request.headers.get("X-CSRF-Token") or form.get("csrf")
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            _close_uploads(form)
            raise forbidden("<p>这个页面已过期或来源不明（缺少安全校验码）。请回到"
                            f"<a href=\"{PREFIX}\">后台首页</a>重新操作。</p>")
    if _typed_control_characters(request, form):
        _close_uploads(form)
        raise web.HTTPBadRequest(text=_short_page("输入有误", "填写的内容里有看不见的控制字符（例如从别处复制来的），"
                                                  "请删掉后重新输入。"), headers=HTML)
    try:
        response = await handler(request)
    finally:
        _close_uploads(form)  # the same form the view read (aiohttp caches it)
    # An ended session's cookie is removed, unless this response (a sign-in) set a new one.
    if token and request.get(ENDED_KEY) is not None and SESSION_COOKIE not in response.cookies:
        response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


def _close_uploads(form: Any) -> None:
    """Close the temporary files aiohttp spooled a multipart form's files into (even when refused)."""
    for value in form.values():
        if isinstance(value, web.FileField):
            value.file.close()


async def _form(request: web.Request) -> Any:
    """The posted form (cached by aiohttp for the view), or {} for other bodies; too big → a Chinese 413."""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {}
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge as exc:
        size = request.client_max_size
        shown = f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"
        page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>文件太大</title>'
                f'<link rel="stylesheet" href="{PREFIX}/static/vendor/simple.min.css"><main>'
                f"<p>上传的文件太大了：最多 {shown}。请把文件拆成几个小文件分别上传。"
                f'<a href="{PREFIX}">回到后台首页</a></p></main></html>')
        raise web.HTTPRequestEntityTooLarge(max_size=size, actual_size=0, text=page,
                                            headers={"Content-Type": "text/html; charset=utf-8"}) from exc


def accepts_body(max_bytes: int) -> Callable[[Handler], Handler]:
    """Let one view receive up to `max_bytes` (an upload); every other route keeps the app's limit.

    Put it outermost (above the route decorator's handler): the guard reads it from the matched
    handler before it reads the form.
    """
    def mark(view: Handler) -> Handler:
        setattr(view, BODY_LIMIT, max_bytes)
        return view
    return mark


def requires(area: Area) -> Callable[[Handler], Handler]:
    """A view for signed-in staff whose role may use `area` (core.staff.may).

    No session → 302 to /admin/login?next=<this path> (`idle=1` when it timed out); a role without
    the area → 403 with a short Chinese page.
    """
    def wrap(view: Handler) -> Handler:
        @functools.wraps(view)
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = request.get(SESSION_KEY)
            if session is None:
                extra = {"idle": "1"} if request.get(ENDED_KEY) == SessionEnd.IDLE else {}
                return redirect(login_url(request.path_qs, **extra))  # the guard drops an ended cookie
            if not may(session.staff.role, area):
                raise forbidden(f"<p>你的账号没有使用这个页面的权限。<a href=\"{PREFIX}\">回到后台首页</a></p>")
            return await view(request)
        return guarded
    return wrap


def new_login_token() -> str:
    """A fresh pre-sign-in CSRF token."""
    return secrets.token_urlsafe(32)


def redirect(location: str) -> web.Response:
    """A 302 as a plain response (cookies can still be set on it)."""
    return web.Response(status=302, headers={"Location": location})
