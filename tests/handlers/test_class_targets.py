"""本班借阅统计 and 哪些同学还没借过书 through the real /wechat endpoint, against the hand-computed school of
tests/librarian/dataset.py, with [targets] (grade 3 must read 2 books per student this term).

By hand: 三年级1班 安一 3, 安二 1, 安三 0 → 4 books, 2/3 borrowed, 生均 1.33 (target 2: 0.67 short → 0.7);
三年级2班 白一 2, 白二 2 → 生均 2.0 (target reached); grade 3: 8 books / 5 students = 1.6; 三年级1班 is 2nd of 2.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update

from bot.nlp import Parser
from bot.router import Router
from core import accounts
from core.library import Library
from core.models import Reader, ReaderType, SchoolClass
from core.search import CatalogueSearch
from core.settings import Settings
from tests.factories import add_guardian, add_reader
from tests.librarian.dataset import build_school
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient

Say = Callable[[str, str], Awaitable[str]]
HEAD_1, HEAD_2, HEAD_4, PARENT, TEACHER = "wx-head31", "wx-head32", "wx-head41", "wx-parent", "wx-teacher"
SETTINGS = Settings(targets={"books_per_student": 3, "grade": {"3": {"books_per_student": 2}}})


@pytest.fixture
def school(library: Library) -> None:
    build_school(library)
    heads = {}
    for user, name, class_name in ((HEAD_1, "马老师", "三年级1班"), (HEAD_2, "牛老师", "三年级2班"),
                                   (HEAD_4, "杨老师", "四年级1班")):
        heads[class_name], _ = add_reader(library, name, ReaderType.TEACHER)
        accounts.bind_directly(library, user, reader_id=heads[class_name])
    teacher, _ = add_reader(library, "周老师", ReaderType.TEACHER)
    accounts.bind_directly(library, TEACHER, reader_id=teacher)
    with library.uow() as uow:
        for class_name, reader_id in heads.items():
            uow.session.execute(update(SchoolClass).where(SchoolClass.name == class_name)
                                .values(class_teacher_id=reader_id))
        anyi = uow.session.query(Reader).filter_by(card_no="S301").one().id
        uow.commit()
    accounts.bind_directly(library, PARENT, guardian_id=add_guardian(library, "安妈妈", anyi))


@pytest.fixture
async def say(make_client: AppFactory, library: Library, parser: Parser, school: None) -> Say:  # noqa: F811
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0),
                    settings=SETTINGS)
    wechat = WeChatTestClient(await make_client(library, router, deadline=30.0), mode="aes")

    async def send(user_id: str, text: str) -> str:
        answer = await wechat.send_text(user_id, text)
        assert answer.status == 200, answer.body
        return answer.text or ""
    return send


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser(catalogue_terms=["草房子", "三体", "小王子"])


async def test_class_statistics_against_the_target_and_the_grade(say: Say) -> None:
    reply = await say(HEAD_1, "本班借阅统计")
    assert reply.splitlines()[:3] == [
        "三年级1班本学期（9月1日起）借了4本，2/3位同学借过书。",
        "生均1.33本（目标2本，还差0.7本），三年级平均1.60本（年级2个班中第2）。",
        "每人借阅：安一3、安二1、安三0",
    ]
    assert "哪些同学还没借过书" in reply
    reached = await say(HEAD_2, "本班借阅统计")
    assert "生均2.00本（目标2本，已达标👍），三年级平均1.60本（年级2个班中第1）" in reached
    assert "每人借阅：白一2、白二2" in reached and "安一" not in reached
    fourth = await say(HEAD_4, "我们班的借阅统计")
    assert "生均0.50本（目标3本，还差2.5本），四年级平均0.50本（年级1个班中第1）" in fourth  # the general target


async def test_who_has_not_borrowed_is_the_teachers_own_class_only(say: Say) -> None:
    reply = await say(HEAD_1, "哪些同学还没借过书")
    assert "还没借过书的同学有1位" in reply and "安三" in reply and "陈二" not in reply
    assert "陈二" in await say(HEAD_4, "哪些同学还没借过书")
    assert "每位同学都借过书了" in await say(HEAD_2, "哪些同学还没借过书")


async def test_another_class_is_never_shown_and_others_are_refused(say: Say) -> None:
    other = await say(HEAD_2, "三年级1班的借阅统计")
    assert "只能查看本班" in other and "安一" not in other and "白一2" in other
    for user in (PARENT, TEACHER):
        for text in ("本班借阅统计", "哪些同学还没借过书"):
            reply = await say(user, text)
            assert "只提供给班主任" in reply
            assert not any(name in reply for name in ("安一", "安二", "安三", "白一", "陈二"))


async def test_the_class_teacher_can_stop_and_resume_the_weekly_summary(say: Say, library: Library) -> None:
    from core.notices import preferences, topics

    assert "已退订班级借阅周报" in await say(HEAD_1, "退订借阅周报")
    stopped = preferences.stopped_topics(library, HEAD_1)
    assert preferences.is_stopped(stopped, topics.CLASS_SUMMARY) and not preferences.is_stopped(stopped,
                                                                                                topics.CLASS_WEEKLY)
    assert "已恢复班级借阅周报" in await say(HEAD_1, "恢复借阅周报")
