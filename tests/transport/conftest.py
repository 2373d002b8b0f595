"""Transport fixtures: the real app on a real database, a fake WeChat API, signed-callback clients."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.messages import IncomingMessage, Reply
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage
from core.settings import ServerSettings, Settings, WeChatSettings, WeComSettings
from tests.transport.fake_wechat_api import APPSECRET, WECOM_SECRET, FakeWeChatAPI
from tests.transport.wechat_client import (
    AES_KEY,
    APPID,
    CORP_ID,
    TOKEN,
    WECOM_AES_KEY,
    WECOM_TOKEN,
    WeChatTestClient,
    WeComTestClient,
)


class CountingResponder:
    """Echoes text (so tests can tell answers apart) and counts calls; `gate` holds answers back."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.calls: list[IncomingMessage] = []
        self.gate = gate
        self.started = asyncio.Event()
        self.help = HelpResponder()

    async def respond(self, message: IncomingMessage) -> Reply:
        self.calls.append(message)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if message.kind in ("text", "voice"):
            return Reply(f"收到：{message.text}")
        return await self.help.respond(message)


@pytest.fixture
async def fake_api(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[FakeWeChatAPI, str]:
    api = FakeWeChatAPI(appid=APPID, corp_id=CORP_ID)
    server = await aiohttp_server(api.app(), host="127.0.0.1")
    return api, str(server.make_url("")).rstrip("/")


@pytest.fixture
def settings(fake_api: tuple[FakeWeChatAPI, str]) -> Settings:
    _, base = fake_api
    return Settings(
        server=ServerSettings(reply_deadline_seconds=4.0),
        # "plain" also accepts encrypted callbacks: one app serves the plaintext and the safe-mode tests.
        wechat=WeChatSettings(token=TOKEN, aes_key=AES_KEY, appid=APPID, appsecret=APPSECRET, api_base=base,
                              mode="plain"),
        wecom=WeComSettings(corp_id=CORP_ID, agent_id="1000002", secret=WECOM_SECRET, token=WECOM_TOKEN,
                            aes_key=WECOM_AES_KEY, api_base=base),
        demo=True,
    )


@pytest.fixture
def responder() -> CountingResponder:
    return CountingResponder()


AppFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def make_client(library: Library, aiohttp_client: Callable[..., Awaitable[TestClient]], settings: Settings,
                clock: FixedClock) -> AppFactory:
    """Start the real app on a library; keyword overrides go to create_app or ServerSettings.

    Depends on `library` first so the apps shut down (and flush their queues) before it closes.
    """

    async def make(library: Library, responder: object, *, deadline: float | None = None,
                   settings: Settings = settings, **kwargs: object) -> TestClient:
        s = settings
        if deadline is not None:
            s = replace(s, server=replace(s.server, reply_deadline_seconds=deadline))
        app: web.Application = create_app(s, responder=responder, clock=clock, library=library,  # type: ignore[arg-type]
                                          **kwargs)  # type: ignore[arg-type]
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def client(make_client: AppFactory, library: Library, responder: CountingResponder) -> TestClient:
    return await make_client(library, responder)


@pytest.fixture
def wechat(client: TestClient) -> WeChatTestClient:
    return WeChatTestClient(client)


@pytest.fixture
def wechat_aes(client: TestClient) -> WeChatTestClient:
    return WeChatTestClient(client, mode="aes")


@pytest.fixture
def wecom(client: TestClient) -> WeComTestClient:
    return WeComTestClient(client)


async def wait_for_outbound(library: Library, done: Callable[[OutboundMessage], bool]) -> OutboundMessage:
    """The first outbound row once `done(row)` holds; polls the database (the pump runs concurrently)."""
    for _ in range(250):
        with library.session_factory() as session:
            row = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).first()
        if row is not None and done(row):
            return row
        await asyncio.sleep(0.02)
    raise AssertionError("outbound message never reached the expected state")
