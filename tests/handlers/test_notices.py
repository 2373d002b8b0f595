"""退订/恢复 pushes, upcoming 活动 by grade and class, 发布活动 by the librarian, and the run-once hook."""
from __future__ import annotations

import pytest

from bot.messages import IncomingMessage
from bot.router import Router
from core import accounts
from core.library import Library
from core.models import ReaderType
from core.notices import activities, preferences, topics
from core.notices.models import Activity
from tests.factories import add_guardian, add_reader
from tests.handlers.conftest import Say
from tests.handlers.helpers import make_librarian


async def test_unsubscribe_and_resubscribe_a_kind_of_push(library: Library, say: Say) -> None:
    reply = await say("wx-a", "退订新书推荐")
    assert "已退订新书推荐" in reply and "恢复新书推荐" in reply
    assert preferences.stopped_topics(library, "wx-a") == {topics.NEW_BOOKS}
    assert "已恢复新书推荐" in await say("wx-a", "恢复新书推荐")
    assert preferences.stopped_topics(library, "wx-a") == set()
    assert "本来就开着" in await say("wx-a", "恢复新书推荐")


async def test_unsubscribe_all_keeps_overdue_notices_and_says_so(library: Library, say: Say) -> None:
    reply = await say("wx-a", "关闭所有提醒")
    assert "已退订全部推送" in reply and "逾期时仍会提醒" in reply
    stopped = preferences.stopped_topics(library, "wx-a")
    assert not preferences.is_stopped(stopped, topics.OVERDUE)
    assert preferences.is_stopped(stopped, topics.DUE_SOON)


async def test_unsubscribe_without_a_kind_asks_which(say: Say) -> None:
    assert "想退订哪种推送" in await say("wx-a", "退订")


async def test_parents_see_their_childrens_grade_and_whole_school_activities(library: Library, say: Say) -> None:
    today = library.today()
    from datetime import timedelta

    child_id, card = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_guardian(library, "刘敏", child_id)
    accounts.bind(library, "wx-p", "S30201", "陈思雨", accounts.issue_code(library, "S30201", for_guardian=True))
    soon = today + timedelta(days=3)
    activities.add_activity(library, title="三年级读书会", body="带一本最喜欢的书", starts_on=soon, grades=[3],
                            place="阅览室")
    activities.add_activity(library, title="五年级征文", body="", starts_on=soon, grades=[5])
    activities.add_activity(library, title="全校图书漂流", body="", starts_on=soon + timedelta(days=1))
    activities.add_activity(library, title="上个月的书展", body="", starts_on=today - timedelta(days=20))
    reply = await say("wx-p", "最近有什么读书活动")
    assert "三年级读书会（阅览室）：带一本最喜欢的书" in reply and "全校图书漂流" in reply
    assert "五年级征文" not in reply and "上个月的书展" not in reply


async def test_librarian_publishes_an_activity_for_a_grade(library: Library, say: Say) -> None:
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    reply = await say("wx-lib", "发布活动 11月28日 三年级 读书分享会，请带一本最喜欢的书")
    assert "已发布" in reply and "11月28日" in reply and "三年级" in reply
    with library.uow() as uow:
        row = uow.session.query(Activity).one()
        assert (row.starts_on.isoformat(), row.grades, row.title, row.body) == (
            "2026-11-28", "3", "读书分享会", "请带一本最喜欢的书")


@pytest.mark.parametrize("text", ["发布活动 读书分享会", "发布活动 11月1日 读书分享会"])
async def test_an_activity_without_a_future_date_is_not_published(library: Library, say: Say, text: str) -> None:
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    reply = await say("wx-lib", text)
    assert "已发布" not in reply and "例如：发布活动" in reply
    with library.uow() as uow:
        assert uow.session.query(Activity).count() == 0


async def test_only_the_librarian_publishes_activities(say: Say) -> None:
    assert "由图书室老师操作" in await say("wx-a", "发布活动 11月28日 读书分享会")


@pytest.mark.parametrize(("text", "acts"), [
    ("我的借阅", False), ("查 草房子", False), ("开放时间", False), ("你好", False), ("借阅规则", False),
    ("续借第1本", True), ("预约 三体", True), ("1", True), ("好的", True), ("验证码 T0012", True),
    ("绑定 T0001 张静 123456", True), ("挂失", True), ("退订新书推荐", True), ("发布活动 明天 读书会", True),
])
def test_only_read_only_messages_skip_the_run_once_claim(router: Router, text: str, acts: bool) -> None:
    message = IncomingMessage(channel="wechat", user_id="wx-a", kind="text", text=text)
    assert router.needs_run_once(message) is acts


# 关注 and 取消关注 both write (pushes held, then released: core/notices/following.py), so both are
# claimed; a menu scan is a search (or a fixed hint) and skips the claim.
@pytest.mark.parametrize(("event", "scan", "acts"), [("subscribe", "", True), ("unsubscribe", "", True),
                                                     ("scancode_waitmsg", "EAN_13,9787532473014", False),
                                                     ("scancode_push", "https://example.com", False)])
def test_events_that_change_nothing_skip_the_claim(router: Router, event: str, scan: str, acts: bool) -> None:
    message = IncomingMessage(channel="wechat", user_id="wx-a", kind="event", event=event, scan_result=scan)
    assert router.needs_run_once(message) is acts
