"""催还 from every desk queues the reader's 催还通知 in the recall's transaction, once, and the scheduler's
delivery sends it through the (fake) WeChat/WeCom API: core, `shuxiang desk`, 催还 by message, the console."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage
from core.models import Reader
from core.settings import Settings
from scheduler.jobs import Deps
from tests.factories import add_title
from tests.scheduler.conftest import School
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]
Recall = Callable[[str], Awaitable[str]]


def _lend_to_the_student(library: Library, school: School) -> str:
    """《狼王梦》 lent to 陈思雨 (parents p-liu and p-chen, reached through 家校沟通); returns the barcode."""
    _, copies = add_title(library, "狼王梦", "沈石溪")
    with library.read_uow() as uow:
        card = uow.session.scalar(select(Reader.card_no).where(Reader.id == school.student))
    assert card is not None
    checkout(library, CheckoutItem(card, copies[0]))  # due Wednesday 12-02
    return copies[0]


def _recall_rows(library: Library) -> list[tuple[str, str]]:
    with library.read_uow() as uow:
        return [(r.user_id, r.text) for r in uow.session.execute(
            select(OutboundMessage.user_id, OutboundMessage.text).where(OutboundMessage.key.like("recall:%"))
            .order_by(OutboundMessage.user_id))]


async def _core(library: Library, settings: Settings, *_: object) -> Recall:
    from core.desk import recall_and_notify

    async def recall(barcode: str) -> str:
        return recall_and_notify(library, settings, barcode, actor="test").title
    return recall


async def _cli(library: Library, settings: Settings, *_: object) -> Recall:
    from cli.desk import Desk

    desk = Desk(library, settings=settings)

    async def recall(barcode: str) -> str:
        return desk.handle(f"催还 {barcode}")
    return recall


async def _wechat(library: Library, settings: Settings, clock: FixedClock, client: Callable[..., Awaitable[TestClient]],
                  school: School) -> Recall:
    """The librarian (t-lib) sends 催还 through POST /wechat; the router queues with the server's settings."""
    from bot.app import create_app
    from bot.nlp import Parser
    from bot.router import Router
    from core.search import CatalogueSearch
    from tests.transport.wechat_client import AES_KEY, TOKEN, WeChatTestClient

    served = replace(settings, wechat=replace(settings.wechat, token=TOKEN, aes_key=AES_KEY, mode="plain"))
    router = Router(library, Parser(catalogue_terms=["狼王梦"]),
                    CatalogueSearch(library.session_factory, background=False, recheck_seconds=0), settings=served)
    app = create_app(served, responder=router, clock=clock, library=library)
    wechat = WeChatTestClient(await client(app), appid=served.wechat.appid, mode="aes")

    async def recall(barcode: str) -> str:
        answer = await wechat.send_text("t-lib", f"催还 {barcode}")
        assert answer.status == 200
        return answer.text or ""
    return recall


async def _console(library: Library, settings: Settings, clock: FixedClock,
                   client: Callable[..., Awaitable[TestClient]], school: School) -> Recall:
    """The librarian's desk page: POST /admin/desk/recall (the server's settings route the notice)."""
    from bot.app import create_app
    from bot.responder import HelpResponder
    from core.staff import Role, add_staff
    from tests.console.conftest import PASSWORD, page_csrf, sign_in

    app = create_app(settings, responder=HelpResponder(), clock=clock, library=library)
    console = await client(app)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk")

    async def recall(barcode: str) -> str:
        response = await console.post("/admin/desk/recall", data={"csrf": csrf, "barcode": barcode})
        assert response.status == 200
        return await response.text()
    return recall


PATHS = {"core": _core, "cli": _cli, "wechat": _wechat, "console": _console}


@pytest.mark.parametrize("path", list(PATHS))
async def test_a_recall_queues_the_notice_once_and_the_scheduler_delivers_it(
        library: Library, school: School, deps: Deps, fake: Fake, settings: Settings, clock: FixedClock,
        aiohttp_client: Callable[..., Awaitable[TestClient]], path: str) -> None:
    barcode = _lend_to_the_student(library, school)
    recall = await PATHS[path](library, settings, clock, aiohttp_client, school)
    await recall(barcode)
    await recall(barcode)  # a retry (double click, resent message): the same recall, no second notice
    rows = _recall_rows(library)
    assert [user for user, _ in rows] == ["p-chen", "p-liu"]
    assert all("陈思雨借的《狼王梦》" in text and "新的还书日是11月23日（周一）" in text for _, text in rows)
    assert deps.delivery is not None
    await deps.delivery.drain()
    api = fake[0]
    assert sorted(d.user for d in api.delivered) == ["p-chen", "p-liu"]
    assert all("新的还书日是11月23日（周一）" in d.text for d in api.delivered)
    await deps.delivery.drain()
    assert len(api.delivered) == 2  # delivered once


async def test_a_recall_in_quiet_hours_is_delivered_at_half_past_seven(
        library: Library, school: School, deps: Deps, fake: Fake, settings: Settings, clock: FixedClock) -> None:
    from core.desk import recall_and_notify

    barcode = _lend_to_the_student(library, school)
    clock.set(datetime(2026, 11, 18, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    recall_and_notify(library, settings, barcode)
    assert deps.delivery is not None
    await deps.delivery.drain()
    assert fake[0].delivered == []
    clock.set(datetime(2026, 11, 18, 23, 30, tzinfo=UTC))  # Thursday 07:30
    await deps.delivery.drain()
    assert sorted(d.user for d in fake[0].delivered) == ["p-chen", "p-liu"]


def test_shuxiang_desk_recall_routes_the_notice_by_the_config_file(
        library: Library, school: School, settings: Settings, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`shuxiang desk --config config.toml recall B`: the channels are the school's (家校沟通 here), as the
    server's; without the file the notice would go to the console inbox nobody reads."""
    from click.testing import CliRunner

    from cli.main import main

    barcode = _lend_to_the_student(library, school)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[wecom]\ncorp_id = "{settings.wecom.corp_id}"\nagent_id = "1000002"\nsecret = "{settings.wecom.secret}"\n'
        f'api_base = "{settings.wecom.api_base}"\n'
        f'[channels]\nschool_agent_id = "1000003"\nschool_secret = "{settings.channels.school_secret}"\n',
        encoding="utf-8")
    result = CliRunner().invoke(main, ["desk", "--db", db_url, "--config", str(config), "recall", barcode],
                                env={"SHUXIANG_CONFIG": None})
    assert result.exit_code == 0, result.output
    assert "已催还《狼王梦》" in result.output
    with library.read_uow() as uow:
        rows = uow.session.execute(select(OutboundMessage.user_id, OutboundMessage.channel)
                                   .where(OutboundMessage.key.like("recall:%")).order_by(OutboundMessage.user_id)).all()
    assert [tuple(r) for r in rows] == [("p-chen", "wecom_school"), ("p-liu", "wecom_school")]
