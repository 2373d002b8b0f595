"""Binding codes and slips from the console: one code per child, the old one replaced, and the printed
message really binds when a parent sends it to the bot through the real /wechat endpoint."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.library import Library
from core.models import AuditEntry, Reader, ReaderStatus, ReaderType
from core.settings import Settings, SettingsError, WeChatSettings, load_settings
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, page_csrf, sign_in
from tests.factories import add_reader
from tests.handlers.conftest import Say, parser, router, say  # noqa: F401  (fixtures)
from tests.transport.conftest import fake_api, make_client, settings  # noqa: F401  (fixtures)

MESSAGE = re.compile(r'<p class="message">绑定 (\S+) (\S+) (\d{6})</p>')


def _class(library: Library) -> tuple[int, list[str]]:
    """三年级2班 with two active students, one whose card is lost, and a teacher (no slips for the last two)."""
    add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_reader(library, "林浩然", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    lost, _ = add_reader(library, "王小丢", ReaderType.STUDENT, card_no="S30203", class_name="三年级2班")
    with library.uow() as uow:
        reader = uow.session.get(Reader, lost)
        assert reader is not None
        reader.status = ReaderStatus.CARD_LOST
        class_id = reader.class_id
        uow.commit()
    assert class_id is not None
    return class_id, ["S30201", "S30202"]


async def _slips(console: TestClient, class_id: int) -> dict[str, tuple[str, str]]:
    csrf = await page_csrf(console, f"/admin/readers/classes/{class_id}")
    response = await console.post(f"/admin/readers/classes/{class_id}/slips", data={"csrf": csrf})
    assert response.status == 200
    return {card: (name, code) for card, name, code in MESSAGE.findall(await response.text())}


async def test_class_slips_bind_once_and_reissue_replaces(console: TestClient, library: Library, say: Say) -> None:  # noqa: F811
    class_id, cards = _class(library)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    await sign_in(console, "li")
    first = await _slips(console, class_id)
    assert sorted(first) == cards and len({code for _, code in first.values()}) == 2  # one code per child
    second = await _slips(console, class_id)
    with library.read_uow() as uow:
        actors = uow.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "binding_code")).all()
    assert actors == ["staff:li"] * 4

    name, old = first["S30201"]
    assert await say("wx-mum", f"绑定 S30201 {name} {old}") == "证号、姓名或验证码不对，请核对后再试。验证码向图书室老师或班主任领取。"
    _, new = second["S30201"]
    assert (await say("wx-mum", f"绑定 S30201 {name} {new}")).startswith("绑定成功！您现在可以查看陈思雨的借阅了")
    assert (await say("wx-dad", f"绑定 S30201 {name} {new}")).startswith("证号、姓名或验证码不对")  # single use


async def test_one_child_code_on_the_class_page(console: TestClient, library: Library) -> None:
    class_id, _ = _class(library)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    await sign_in(console, "wang")
    page = await (await console.get(f"/admin/readers/classes/{class_id}")).text()
    assert page.count("发家长绑定码</button>") == 2 and "已挂失" in page  # no code for a lost card
    with library.read_uow() as uow:
        reader_id = uow.session.scalar(select(Reader.id).where(Reader.card_no == "S30202"))
    csrf = await page_csrf(console, f"/admin/readers/classes/{class_id}")
    issued = await console.post(f"/admin/readers/classes/{class_id}/code", data={"csrf": csrf,
                                                                                 "reader_id": str(reader_id)})
    text = await issued.text()
    assert issued.status == 200 and re.search(r"<code>绑定 S30202 林浩然 \d{6}</code>", text)
    elsewhere = await console.post(f"/admin/readers/classes/{class_id + 1000}/code",
                                   data={"csrf": csrf, "reader_id": str(reader_id)})
    assert elsewhere.status == 404


async def test_follow_qr_code_only_when_configured(library: Library, clock: FixedClock,
                                                   aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    class_id, _ = _class(library)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    for follow_url, has_qr in (("https://mp.weixin.qq.com/mp/profile_ext?__biz=demo", True), ("", False)):
        app: web.Application = create_app(Settings(wechat=WeChatSettings(follow_url=follow_url)),
                                          responder=HelpResponder(), clock=clock, library=library)
        client = await aiohttp_client(app)
        await sign_in(client, "wang")
        csrf = await page_csrf(client, f"/admin/readers/classes/{class_id}")
        text = await (await client.post(f"/admin/readers/classes/{class_id}/slips", data={"csrf": csrf})).text()
        assert text.count('<div class="qr"><svg') == (2 if has_qr else 0)
        assert ("扫右边的二维码关注" in text) == has_qr


def test_follow_url_must_be_a_web_link(tmp_path: Path) -> None:
    config = tmp_path / "shuxiang.toml"
    config.write_text('[wechat]\nfollow_url = "weixin://gh_demo"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="follow_url"):
        load_settings(config, environ={})
    good = load_settings(None, environ={"SHUXIANG_WECHAT_FOLLOW_URL": "https://mp.weixin.qq.com/demo"})
    assert good.wechat.follow_url == "https://mp.weixin.qq.com/demo"
