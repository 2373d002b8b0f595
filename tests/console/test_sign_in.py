"""Signing in to /admin through the real HTTP app: redirects, CSRF, throttle, disabled accounts, idle timeout."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FixedClock
from core.library import Library
from core.models import AuditEntry
from core.staff import Role, add_staff, disable_staff
from tests.console.conftest import PASSWORD, ConsoleClient, login_token, page_csrf, sign_in


async def test_no_session_redirects_to_the_sign_in_page_with_next(console: TestClient) -> None:
    response = await console.get("/admin/staff?sort=name", allow_redirects=False)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query)["next"] == ["/admin/staff?sort=name"]
    form = await (await console.get(response.headers["Location"])).text()
    assert 'name="username"' in form and 'name="password"' in form


async def test_signing_in_sets_a_strict_cookie_and_shows_the_home_page(console: TestClient, librarian: str) -> None:
    response = await sign_in(console, librarian)
    assert response.status == 302 and response.headers["Location"] == "/admin"
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("shuxiang_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http (the test server)
    home = await console.get("/admin")
    text = await home.text()
    assert home.status == 200 and "今日借出" in text
    assert "还没有设置本学期校历" in text and "shuxiang calendar term add" in text  # an empty database has no term


async def test_the_cookie_is_secure_when_the_proxy_says_https(console: TestClient, librarian: str) -> None:
    response = await sign_in(console, librarian, headers={"X-Forwarded-Proto": "https"})
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("shuxiang_session="))
    assert "Secure" in cookie


async def test_next_goes_back_to_a_console_page_and_never_elsewhere(console: TestClient, librarian: str) -> None:
    assert (await sign_in(console, librarian, next_path="/admin/staff")).headers["Location"] == "/admin/staff"
    for outside in ("https://evil.example/admin", "//evil.example/admin", "/\\evil.example", "/wechat",
                    "javascript:alert(1)"):
        console.session.cookie_jar.clear()
        assert (await sign_in(console, librarian, next_path=outside)).headers["Location"] == "/admin"


async def test_a_post_without_the_csrf_token_is_refused(console: TestClient, librarian: str) -> None:
    await login_token(console)  # the cookie half is there, the form half is missing
    response = await console.post("/admin/login", data={"username": librarian, "password": PASSWORD},
                                  allow_redirects=False)
    assert response.status == 403
    assert "shuxiang_session" not in response.cookies

    assert (await sign_in(console, librarian)).status == 302
    refused = await console.post("/admin/logout", data={}, allow_redirects=False)
    assert refused.status == 403
    forged = await console.post("/admin/logout", data={"csrf": "x" * 43}, allow_redirects=False)
    assert forged.status == 403
    assert (await console.get("/admin", allow_redirects=False)).status == 200  # still signed in

    out = await console.post("/admin/logout", data={"csrf": await page_csrf(console)}, allow_redirects=False)
    assert out.status == 302
    assert (await console.get("/admin", allow_redirects=False)).status == 302


async def test_five_wrong_passwords_then_a_wait_even_for_the_right_one(
        make_console: ConsoleClient, library: Library, clock: FixedClock, librarian: str) -> None:
    client = await make_console(trust_forwarded_for=True)
    for n in range(5):  # from five different addresses: the account's own count
        wrong = await sign_in(client, librarian, "wrong-password", headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert wrong.status == 401
        assert "用户名或密码不对" in await wrong.text()
    throttled = await sign_in(client, librarian, headers={"X-Forwarded-For": "10.0.0.99"})
    assert throttled.status == 429
    assert "密码错误次数太多，请 15 分钟后再试" in await throttled.text()

    clock.advance(minutes=14, seconds=59)
    assert (await sign_in(client, librarian, headers={"X-Forwarded-For": "10.0.0.99"})).status == 429
    clock.advance(seconds=2)  # the first failure has left the 15-minute window
    assert (await sign_in(client, librarian, headers={"X-Forwarded-For": "10.0.0.99"})).status == 302


async def test_five_wrong_passwords_from_one_address_stop_that_address(
        make_console: ConsoleClient, library: Library, librarian: str) -> None:
    client = await make_console(trust_forwarded_for=True)
    add_staff(library, "li", Role.HELPER, PASSWORD)
    for n in range(5):  # five different names, one address
        assert (await sign_in(client, f"guess{n}", "x", headers={"X-Forwarded-For": "192.0.2.7"})).status == 401
    assert (await sign_in(client, "li", headers={"X-Forwarded-For": "192.0.2.7"})).status == 429
    assert (await sign_in(client, "li", headers={"X-Forwarded-For": "192.0.2.8"})).status == 302


async def test_a_disabled_account_cannot_sign_in_and_its_session_ends(
        console: TestClient, library: Library, librarian: str) -> None:
    assert (await sign_in(console, librarian)).status == 302
    disable_staff(library, librarian)
    assert (await console.get("/admin", allow_redirects=False)).status == 302
    refused = await sign_in(console, librarian)
    assert refused.status == 401
    assert "这个账号已停用" in await refused.text()


async def test_an_idle_session_ends_after_the_timeout(console: TestClient, clock: FixedClock, librarian: str) -> None:
    assert (await sign_in(console, librarian)).status == 302
    clock.advance(minutes=29)
    assert (await console.get("/admin", allow_redirects=False)).status == 200  # in use: kept alive
    clock.advance(minutes=29)
    assert (await console.get("/admin", allow_redirects=False)).status == 200
    clock.advance(minutes=30, seconds=1)
    ended = await console.get("/admin", allow_redirects=False)
    assert ended.status == 302
    assert parse_qs(urlsplit(ended.headers["Location"]).query)["idle"] == ["1"]
    assert "太久没有操作" in await (await console.get(ended.headers["Location"])).text()
    # 退出 on a page left open past the timeout: back to the sign-in page, not a 403.
    out = await console.post("/admin/logout", data={"csrf": "stale"}, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/admin/login"


async def test_signing_in_and_out_is_audited_with_the_staff_account(
        console: TestClient, library: Library, librarian: str) -> None:
    await sign_in(console, librarian, "wrong-password")
    await sign_in(console, librarian)
    await console.post("/admin/logout", data={"csrf": await page_csrf(console)}, allow_redirects=False)
    with library.uow() as uow:
        rows = uow.session.execute(select(AuditEntry.action, AuditEntry.actor)
                                   .where(AuditEntry.action.like("staff_%")).order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [("staff_add", "staff:cli"), ("staff_sign_in_failed", "staff:wang"),
                                        ("staff_sign_in", "staff:wang"), ("staff_sign_out", "staff:wang")]


async def test_the_pages_use_only_vendored_files_that_the_server_serves(console: TestClient) -> None:
    text = await (await console.get("/admin/login")).text()
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', text)
    assert sorted(assets) == ["/admin/static/console.css", "/admin/static/vendor/htmx.min.js",
                              "/admin/static/vendor/simple.min.css"]
    for asset in assets:
        response = await console.get(asset)
        assert response.status == 200 and len(await response.read()) > 500
    assert "http://" not in text and "https://" not in text  # nothing fetched from elsewhere
