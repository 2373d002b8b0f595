"""Scheduler fixtures: a small school on a frozen calendar, the fake WeChat/WeCom API, job deps."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from core.accounts import bind_directly
from core.clock import FixedClock
from core.library import Library
from core.models import Item, ItemStatus, Loan, Reader, SchoolClass
from core.settings import ChannelSettings, NoticeSettings, Settings, WeChatSettings, WeComSettings
from scheduler.channels.build import build_channels
from scheduler.channels.tokens import SharedTokens
from scheduler.delivery import NoticeDelivery
from scheduler.jobs import Deps
from tests.factories import add_guardian, add_reader, add_term, add_title
from tests.scheduler.fake_weixin import APP_SECRET, APPID, APPSECRET, CORP_ID, SCHOOL_SECRET, FakeWeixin

TODAY = date(2026, 11, 18)  # Wednesday (DEFAULT_NOW, 10:00 school time)


@dataclass
class School:
    """Who is who in the test school (ids and the user ids bound to them)."""

    teacher: int  # 张老师, bound as "t-zhang"
    head: int  # 李老师, 班主任 of 三年级2班, bound as "t-li"
    student: int  # 陈思雨 in 三年级2班, parents "p-liu" and "p-chen"
    other_student: int  # 王小明 in 三年级2班, parent "p-wang"
    librarian: int  # bound as "t-lib"
    class_id: int


def add_loan(lib: Library, reader_id: int, title: str, due: date, *, renewals: int = 0) -> int:
    """An open loan of a new copy of `title`, due on `due`; returns the loan id."""
    _, barcodes = add_title(lib, title)
    with lib.uow() as uow:
        item = uow.session.query(Item).filter_by(barcode=barcodes[0]).one()
        item.status = ItemStatus.ON_LOAN
        loan = Loan(item_id=item.id, reader_id=reader_id, loaned_at=lib.now() - timedelta(days=14), due_date=due,
                    renewal_count=renewals, is_open=True)
        uow.session.add(loan)
        uow.commit()
        return loan.id


def close_loan(lib: Library, loan_id: int) -> None:
    with lib.uow() as uow:
        uow.session.execute(update(Loan).where(Loan.id == loan_id).values(is_open=False, returned_at=lib.now()))
        uow.commit()


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    from core.models import ReaderType

    teacher, _ = add_reader(library, "张老师", ReaderType.TEACHER)
    head, _ = add_reader(library, "李老师", ReaderType.TEACHER)
    librarian, _ = add_reader(library, "王老师", ReaderType.TEACHER)
    student, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    other, _ = add_reader(library, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    with library.uow() as uow:
        cls = uow.session.query(SchoolClass).filter_by(name="三年级2班").one()
        cls.class_teacher_id = head
        uow.session.execute(update(Reader).where(Reader.id == librarian).values(is_librarian=True))
        uow.commit()
        class_id = cls.id
    mother = add_guardian(library, "刘敏", student)
    father = add_guardian(library, "陈建国", student)
    wang = add_guardian(library, "王家长", other)
    for user, kwargs in (("t-zhang", {"reader_id": teacher}), ("t-li", {"reader_id": head}),
                         ("t-lib", {"reader_id": librarian}), ("p-liu", {"guardian_id": mother}),
                         ("p-chen", {"guardian_id": father}), ("p-wang", {"guardian_id": wang})):
        bind_directly(library, user, **kwargs)
    return School(teacher, head, student, other, librarian, class_id)


@pytest.fixture
async def fake(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[FakeWeixin, str]:
    api = FakeWeixin()
    server = await aiohttp_server(api.app(), host="127.0.0.1")
    return api, str(server.make_url("")).rstrip("/")


def push_settings(base: str, **notices: object) -> Settings:
    """Every channel configured against the fake; staff via the WeCom app, parents via 家校沟通."""
    return Settings(
        wechat=WeChatSettings(appid=APPID, appsecret=APPSECRET, api_base=base),
        wecom=WeComSettings(corp_id=CORP_ID, agent_id="1000002", secret=APP_SECRET, api_base=base),
        channels=ChannelSettings(school_agent_id="1000003", school_secret=SCHOOL_SECRET, template_id="TPL1",
                                 robots={"三年级2班": f"{base}/cgi-bin/webhook/send?key=class32"},
                                 requests_per_second=0),
        notices=NoticeSettings(**notices),  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(fake: tuple[FakeWeixin, str]) -> Settings:
    return push_settings(fake[1])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        yield session


@pytest.fixture
def deps(library: Library, settings: Settings, clock: FixedClock, http: aiohttp.ClientSession) -> Deps:
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    return Deps(library, settings, clock, channels, NoticeDelivery(library, settings, channels, clock))


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    from core.clock import school_datetime

    return school_datetime(day, hour, minute)
